/** The one zod refinement for names and titles: no control or bidi formatting characters (src/core/text.ts). */
import { z } from 'zod';
import { isPlainText, UNSAFE_TEXT_MESSAGE } from '../../core/text.js';

/** `schema` refusing control and bidi formatting characters with invalid_request naming the field. */
export function plainText<S extends z.ZodString>(schema: S): S {
  return schema.refine(isPlainText, UNSAFE_TEXT_MESSAGE) as S;
}

/** A plain-text string schema of 1..max characters (after trimming when `trim`). */
export const PlainText = (max: number, opts: { trim?: boolean } = {}) =>
  plainText((opts.trim ? z.string().trim() : z.string()).min(1, 'must not be empty').max(max, `at most ${max} characters`));
