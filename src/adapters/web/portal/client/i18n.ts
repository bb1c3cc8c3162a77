/**
 * Two languages, Chinese by default. Every visible string is a `Text` ({zh, en}) kept next to
 * the page that shows it; `tr()` picks the current language and fills `{name}` placeholders.
 * The choice lives in the `cl_lang` cookie (so the server renders `<html lang>` to match) and
 * `?lang=en|zh` in the address switches it.
 */
export type Lang = 'zh' | 'en';
export interface Text {
  zh: string;
  en: string;
}

const COOKIE = 'cl_lang';
let current: Lang | undefined;

function fromCookie(): Lang | undefined {
  const m = /(?:^|;\s*)cl_lang=(zh|en)\b/.exec(document.cookie);
  return m ? (m[1] as Lang) : undefined;
}

/** The current language: `?lang=`, then the cookie, then `<html lang>`, then Chinese. */
export function lang(): Lang {
  if (current !== undefined) return current;
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'zh' || q === 'en') setLang(q);
  else current = fromCookie() ?? (document.documentElement.lang.startsWith('en') ? 'en' : 'zh');
  return current!;
}

/** Switches the language (remembered for a year) and updates `<html lang>`. Callers re-render. */
export function setLang(l: Lang): void {
  current = l;
  document.cookie = `${COOKIE}=${l}; Path=/; Max-Age=31536000; SameSite=Lax`;
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

/** `t` in the current language, `{key}` placeholders replaced from `vars`. */
export function tr(t: Text, vars?: Record<string, string | number>): string {
  const s = t[lang()];
  return vars === undefined ? s : s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** A date-time for people, in the current language's conventions (the ISO text stays in `title`). */
export function fmtTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** A byte count for people: 1.5 MB, 980 KB, 12 B. */
export function fmtBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
