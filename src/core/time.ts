/** RFC 3339 UTC with milliseconds, as every JSON field and note line uses (contract §1). */
export const TIME_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Formats epoch milliseconds. MUST produce exactly `YYYY-MM-DDTHH:MM:SS.sssZ`. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** True when `text` is a real instant in the contract's one spelling. */
export function isTime(text: string): boolean {
  if (!TIME_RE.test(text)) return false;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString() === text;
}
