/**
 * The few styles the operation pages and the chain of title add to portal.css, adopted as a
 * constructed stylesheet once (CSSOM, which the portal's CSP allows; no inline `<style>`).
 */
const CSS = `
[hidden] { display: none !important; }
.field-error:empty { display: none; }
nav.subnav ul { list-style: none; margin: 0 0 1rem; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 0.5rem; border-bottom: 1px solid #c9ced6; }
nav.subnav a { display: inline-block; padding: 0.4rem 0.75rem; text-decoration: none; border-radius: 6px 6px 0 0; }
nav.subnav a:hover { text-decoration: underline; }
nav.subnav a[aria-current='page'] { font-weight: 700; border: 1px solid #c9ced6; border-bottom-color: var(--bg, #fff); background: var(--bg, #fff); margin-bottom: -1px; }
@media (max-width: 560px) { nav.subnav ul { gap: 0.15rem 0.1rem; } nav.subnav a { padding: 0.35rem 0.45rem; font-size: 0.95rem; } }
form.op-form { max-width: 46rem; }
.op-form > h2:first-child { margin-top: 0; }
fieldset.rights .rights-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); gap: 0.2rem 1rem; }
fieldset.rights .choice .hint { display: block; }
fieldset.rights .all-rights { font-weight: 600; margin-bottom: 0.3rem; }
.op-list { margin-bottom: 1.5rem; }
.op-card { margin-bottom: 1rem; }
.op-card h3 { margin-top: 0; overflow-wrap: anywhere; }
.op-card h3 .badge { font-size: 0.85rem; font-weight: 400; vertical-align: middle; margin-left: 0.3rem; }
.op-card dd, .chain dd { overflow-wrap: anywhere; }
ol.op-history { margin: 0; padding-left: 1.2rem; }
.op-card .cert .hint { margin: 0.25rem 0 0; }
.op-card .actions { margin-top: 0.6rem; }
.op-card form.revoke-form { margin-top: 0.8rem; max-width: 36rem; }
.verdict { border: 2px solid; border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; max-width: 46rem; }
.verdict h2 { margin: 0 0 0.4rem; font-size: 1.6rem; }
.verdict.yes { border-color: #1a7f37; background: #effaf2; }
.verdict.yes h2 { color: #116329; }
.verdict.no { border-color: #b42318; background: #fdf1f0; }
.verdict.no h2 { color: #a1190f; }
fieldset.rights .choice { overflow-wrap: anywhere; }
.hint-inline { color: var(--muted, #4a5260); font-size: 0.9em; }
.my-id { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem; }
.my-id code { overflow-wrap: anywhere; }
section.chain { margin-top: 1.5rem; }
section.chain ol.links { padding-left: 1.2rem; }
section.chain ol.links li { margin-bottom: 0.4rem; }
section.chain .muted, .op-card .muted { color: var(--muted, #4a5260); }
`;

let done = false;

export function ensureOpStyles(): void {
  if (done || typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in document)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  done = true;
}
