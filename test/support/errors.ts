import { isLogError } from '../../src/core/errors.js';

/** The LogError code `f` throws, undefined if it returns; any other exception is named as such, so tests assert codes, not messages. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isLogError(e) ? e.code : `not a LogError: ${String(e)}`;
  }
  return undefined;
}
