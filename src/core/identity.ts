/**
 * Identity documents named in registration applications, and the check-digit rules of the two
 * Chinese national formats. Pure: no I/O. A number that fails its rule is a typing error the
 * applicant should see at once, not a reviewer's problem.
 */

export const ID_TYPES = [
  'resident_id', // 居民身份证 (GB 11643-1999)
  'passport',
  'hk_macao_permit', // 港澳居民来往内地通行证
  'taiwan_permit', // 台湾居民来往大陆通行证
  'foreign_permanent_residence', // 外国人永久居留身份证
  'unified_social_credit_code', // 统一社会信用代码 (GB 32100-2015)
  'other',
] as const;
export type IdType = (typeof ID_TYPES)[number];

/** Which document types fit which kind of rights holder. */
export const ORGANISATION_ID_TYPES: readonly IdType[] = ['unified_social_credit_code', 'other'];
export const INDIVIDUAL_ID_TYPES: readonly IdType[] = ID_TYPES.filter((t) => t !== 'unified_social_credit_code');

const RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK = '10X98765432';

/** GB 11643-1999: 17 digits (area, birth date YYYYMMDD, sequence) and a mod 11-2 check character. */
export function isResidentId(id: string): boolean {
  if (!/^[0-9]{17}[0-9X]$/.test(id)) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * RESIDENT_WEIGHTS[i]!;
  return RESIDENT_CHECK[sum % 11] === id[17];
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 32100-2015: 18 characters of a 31-character alphabet, the last a mod-31 check character. */
export function isUnifiedSocialCreditCode(code: string): boolean {
  if (code.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARS.indexOf(code[i]!);
    if (v < 0) return false;
    sum += v * USCC_WEIGHTS[i]!;
  }
  const check = (31 - (sum % 31)) % 31;
  return USCC_CHARS[check] === code[17];
}

/**
 * Checks a document number for its type (the number already upper-cased and trimmed).
 * Returns undefined when it is acceptable, else a message for the applicant.
 */
export function checkIdNumber(type: IdType, n: string): string | undefined {
  switch (type) {
    case 'resident_id':
      return isResidentId(n) ? undefined : 'not a valid resident identity card number (18 characters, GB 11643 check digit)';
    case 'unified_social_credit_code':
      return isUnifiedSocialCreditCode(n) ? undefined : 'not a valid unified social credit code (18 characters, GB 32100 check character)';
    case 'passport':
      return /^[A-Z0-9]{5,20}$/.test(n) ? undefined : 'a passport number is 5 to 20 letters and digits';
    case 'hk_macao_permit':
      return /^[HM][0-9]{8}([0-9]{2})?$/.test(n) ? undefined : 'a Hong Kong / Macao permit number is H or M and 8 or 10 digits';
    case 'taiwan_permit':
      return /^[0-9]{8}([0-9]{2})?$/.test(n) ? undefined : 'a Taiwan permit number is 8 or 10 digits';
    case 'foreign_permanent_residence':
      return /^[A-Z0-9]{15}$|^[0-9]{17}[0-9X]$/.test(n) ? undefined : 'a permanent residence card number is 15 or 18 characters';
    case 'other':
      return /^[A-Z0-9-]{1,40}$/.test(n) ? undefined : 'at most 40 letters, digits and hyphens';
  }
}
