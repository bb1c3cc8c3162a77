/**
 * The HTML every portal page starts from: an empty header and `<main>` that client/main.ts
 * fills, the stylesheet and the module script. No inline script or style, so the page's CSP
 * allows only its own origin.
 */
export type ShellLang = 'zh' | 'en';

/** Content-Security-Policy of portal pages: scripts, workers, styles and requests from this origin only. */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const TEXT = {
  zh: {
    title: '版权存证链',
    skip: '跳到正文',
    loading: '正在加载…',
    noscript: '本网站需要启用 JavaScript。无需 JavaScript 也可以使用 API（/openapi.json）和离线验证页（/downloads/verify.html）。',
  },
  en: {
    title: 'copyright-ledger',
    skip: 'Skip to content',
    loading: 'Loading…',
    noscript: 'This site needs JavaScript. Without it you can still use the API (/openapi.json) and the offline verify page (/downloads/verify.html).',
  },
} as const;

/** The shell in `lang` (the client switches language without reloading). */
export function renderShell(lang: ShellLang): string {
  const t = TEXT[lang];
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${t.title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/portal.css">
<script type="module" src="/assets/portal.js"></script>
</head>
<body>
<a class="skip" href="#app">${t.skip}</a>
<header id="top"><div class="bar"><a class="brand" href="/">${t.title}</a></div></header>
<main id="app" tabindex="-1"><p class="loading">${t.loading}</p>
<noscript><p class="error">${t.noscript}</p></noscript></main>
</body>
</html>
`;
}

/** The language for a request: `?lang=` first, then the `cl_lang` cookie, then Chinese. */
export function shellLang(query: unknown, cookieHeader: string | undefined): ShellLang {
  if (query === 'en' || query === 'zh') return query;
  const m = /(?:^|;\s*)cl_lang=(zh|en)\b/.exec(cookieHeader ?? '');
  return m ? (m[1] as ShellLang) : 'zh';
}
