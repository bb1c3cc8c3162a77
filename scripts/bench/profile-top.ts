/**
 * Top self-time functions of V8 CPU profiles (node --cpu-prof):
 *   npx tsx scripts/bench/profile-top.ts <file.cpuprofile | dir> [count] [inclusive-regex]
 * A directory means its largest .cpuprofile (the main thread; tsx's loader thread writes a small one).
 * Also prints inclusive time for a few functions of interest.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [target, countArg, inclusiveArg] = process.argv.slice(2);
if (!target) {
  console.error('usage: profile-top.ts <file.cpuprofile | dir> [count]');
  process.exit(2);
}
let file = target;
if (statSync(target).isDirectory()) {
  const files = readdirSync(target)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(target, f))
    .sort((x, y) => statSync(y).size - statSync(x).size);
  if (!files[0]) throw new Error(`no .cpuprofile in ${target}`);
  file = files[0];
}
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const selfUs = new Map<number, number>();
p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const label = (n: Node) => {
  const cf = n.callFrame;
  const where = cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|scripts)\//, '$1/');
  return `${cf.functionName || '(anonymous)'} ${where}${where ? ':' + (cf.lineNumber + 1) : ''}`;
};
const self = new Map<string, number>();
let total = 0;
let idle = 0;
for (const n of p.nodes) {
  const us = selfUs.get(n.id) ?? 0;
  total += us;
  if (n.callFrame.functionName === '(idle)') idle += us;
  self.set(label(n), (self.get(label(n)) ?? 0) + us);
}
// Inclusive time per label (a label counted once per stack).
const incl = new Map<string, number>();
const walk = (id: number, onStack: Set<string>): number => {
  const n = byId.get(id)!;
  let us = selfUs.get(id) ?? 0;
  const l = label(n);
  const fresh = !onStack.has(l);
  if (fresh) onStack.add(l);
  for (const c of n.children ?? []) us += walk(c, onStack);
  if (fresh) {
    onStack.delete(l);
    incl.set(l, (incl.get(l) ?? 0) + us);
  }
  return us;
};
walk(p.nodes[0]!.id, new Set());

const count = Number(countArg ?? 30);
const busy = total - idle;
console.log(`${file}\nsampled ${(total / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms (${((100 * busy) / total).toFixed(0)}%)\n`);
console.log('self time (share of busy):');
for (const [k, us] of [...self].sort((x, y) => y[1] - x[1]).slice(0, count)) {
  if (k.startsWith('(idle)')) continue;
  console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`);
}
console.log('\ninclusive time of selected functions (share of busy):');
const interesting = inclusiveArg ? new RegExp(inclusiveArg) : /^(#arrayBatch|_batch|batch|commit|prepare|claimed|depositBatch|deposit|canonicalize|encodeEntry|jsonParser|parse|safeParse|parseWith|toView|json|send|write|append|drain|hashLeaf|storedClaim|authenticate|signNote|makeBlock|_put|getMany|(anonymous) src\/adapters\/http\/app)\b/;
for (const [k, us] of [...incl].sort((x, y) => y[1] - x[1])) {
  if (interesting.test(k) && us / busy > 0.01) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}`);
}
