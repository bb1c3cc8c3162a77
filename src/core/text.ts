/**
 * Text shown to people (names, titles) must look like what it is. Refused: C0 and C1 control
 * characters (including tab and newline), DEL, the line and paragraph separators, and the
 * bidirectional formatting characters that reorder what a reader sees: embeddings and
 * overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the marks LRM, RLM and ALM
 * (U+200E, U+200F, U+061C).
 */
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The message every refusal carries. */
export const UNSAFE_TEXT_MESSAGE = 'must not contain control characters or bidirectional formatting characters';

/** True when `s` holds none of the characters UNSAFE_TEXT matches. */
export function isPlainText(s: string): boolean {
  return !UNSAFE_TEXT.test(s);
}
