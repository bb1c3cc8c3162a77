/**
 * The few styles the registration, review, registry and statistics pages add to portal.css,
 * adopted as a constructed stylesheet once (CSSOM, which the portal's CSP allows; no inline
 * `<style>` or `style=` attribute).
 */
const CSS = `
[hidden] { display: none !important; }
.field-error:empty { display: none; }
form.application .stack, form.application fieldset { max-width: none; width: 100%; }
.row2 { align-items: start; }
.card .figure { font-size: 1.9rem; font-weight: 700; color: var(--fg, #1a1d23); line-height: 1.2; margin: 0; flex: none; }
.chart-box { margin: 0.5rem 0 1rem; }
svg.chart { display: block; max-width: 100%; height: auto; }
details > summary { cursor: pointer; color: var(--accent, #0b5cad); padding: 0.25rem 0; }
details > summary:hover { text-decoration: underline; }
.progress { max-width: 40rem; }
.progress progress { -webkit-appearance: none; appearance: none; height: 1rem; border: 1px solid #7d8796; border-radius: 999px; background: #eef0f3; overflow: hidden; }
.progress progress::-webkit-progress-bar { background: #eef0f3; }
.progress progress::-webkit-progress-value { background: var(--accent, #0b5cad); }
.progress progress::-moz-progress-bar { background: var(--accent, #0b5cad); }
form.application { max-width: 44rem; }
form.application fieldset fieldset { background: var(--panel, #f4f6f9); }
form.application .choice .hint { overflow-wrap: anywhere; }
.decision-bar { display: flex; flex-wrap: wrap; gap: 0.6rem; }
table.stacked td > .badge { justify-self: start; }
.table-wrap th { white-space: nowrap; }
.panel > h2:first-child, section.panel > h2:first-child { margin-top: 0; }
textarea:disabled, input:disabled, select:disabled { background: #eef0f3; cursor: not-allowed; }
.decision-why { margin: 0; font-weight: 600; color: var(--muted, #4a5260); }
#totals { grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); }
.search-row { display: flex; gap: 0.5rem; align-items: stretch; }
.search-row input { flex: 1 1 auto; min-width: 0; }
.search-row button { flex: none; }
dl.details dd ul { margin: 0; padding: 0; list-style: none; }
dl.details dd li + li { margin-top: 0.25rem; }
h1 .badge { font-size: 0.9rem; vertical-align: middle; margin-left: 0.4rem; font-weight: 400; }
section.warning h2, section.notice h2 { margin-top: 0; font-size: 1.15rem; }
`;

let done = false;

export function ensureStyles(): void {
  if (done || typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in document)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  done = true;
}
