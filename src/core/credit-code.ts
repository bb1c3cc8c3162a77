/**
 * 统一社会信用代码 (Unified Social Credit Identifier, GB 32100-2015): 18 characters from a
 * 31-character alphabet (digits and capitals without I, O, S, V, Z); the last is a check
 * character computed from the first 17 with weights 3^i mod 31.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

/** Why `code` is not a well-formed 统一社会信用代码, or undefined when it is (format and check character). */
export function creditCodeProblem(code: string): string | undefined {
  if (!SHAPE.test(code)) return 'expected 18 characters: 2 letters/digits, a 6-digit area code, 10 letters/digits (no I, O, S, V, Z)';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(code[i]!) * WEIGHTS[i]!;
  const check = ALPHABET[(31 - (sum % 31)) % 31]!;
  return code[17] === check ? undefined : `its check character should be ${check} (GB 32100-2015)`;
}
