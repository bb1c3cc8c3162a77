/**
 * Running the shell examples of the docs as tests (docs/OPERATIONS.md, README.md): the ```sh
 * blocks of a markdown text, and the bash prelude they run under.
 */
import { PROJECT_ROOT } from './proc.js';

export interface Block {
  /** The `<!-- ops: X -->` mark on the line before the block, if any. */
  mark: string | undefined;
  code: string;
  /** The section heading the block is under. */
  section: string;
}

/** The ```sh blocks of a markdown text, with the `<!-- ops: X -->` mark on the line before, if any. */
export function shellBlocks(md: string): Block[] {
  const out: Block[] = [];
  const lines = md.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith('## ')) section = lines[i]!.slice(3);
    if (lines[i] !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    const before = lines.slice(0, i).reverse().find((l) => l.trim() !== '');
    const mark = /^<!-- ops: (\w+) -->$/.exec(before ?? '')?.[1];
    out.push({ mark, code: lines.slice(i + 1, end).join('\n'), section });
    i = end;
  }
  return out;
}

/**
 * What the blocks run under: bash in strict mode (every command's exit status is checked), and
 * one substitution: `npx copyright-ledger …` runs the CLI from this source tree (through tsx),
 * wherever the block's working directory is — the package is not on a registry.
 */
export const PRELUDE = `set -euo pipefail
npx() { if [ "$1" = copyright-ledger ]; then shift; node --import "${import.meta.resolve('tsx')}" "${PROJECT_ROOT}/test/support/cli-launcher.ts" "$@"; else command npx "$@"; fi; }
`;

/** The environment of the blocks: no vitest loader state, no configured store or API key. */
export function childEnv(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.NODE_OPTIONS;
  delete e.LOG_KEY_FILE;
  delete e.COPYRIGHT_LEDGER_API_KEY;
  return e;
}
