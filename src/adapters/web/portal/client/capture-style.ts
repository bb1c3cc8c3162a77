/**
 * The few styles the capture pages add to portal.css, adopted as a constructed stylesheet once
 * (CSSOM, which the portal's CSP allows; no inline `<style>` or `style=` attribute).
 */
const CSS = `
form.capture { max-width: 44rem; }
form.capture .field-error:empty { display: none; }
pre.commands { background: #10243e; color: #f2f5f9; border-radius: 6px; padding: 0.75rem 1rem; overflow-x: auto; font-size: 0.85rem; line-height: 1.45; margin: 0.4rem 0 0.8rem; }
pre.commands:focus-visible { outline-offset: 2px; }
details > summary { cursor: pointer; color: var(--accent, #0b5cad); padding: 0.25rem 0; font-weight: 600; }
table.captures td .actions { margin: 0.3rem 0 0; gap: 0.4rem 0.6rem; }
table.captures .url { overflow-wrap: anywhere; word-break: break-word; }
table.captures .reason { display: block; color: var(--bad, #b00020); font-size: 0.9rem; margin-top: 0.25rem; overflow-wrap: anywhere; }
.download { display: inline-flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; }
.save-area:empty { display: none; }
section.downloads .actions { margin-bottom: 0.25rem; }
h1 .badge { font-size: 0.9rem; vertical-align: middle; font-weight: 400; white-space: nowrap; }
ol.chain { margin: 0; padding-left: 1.25rem; }
ol.chain li, ul.plain li { overflow-wrap: anywhere; }
ul.plain { margin: 0; padding: 0; list-style: none; }
`;

let done = false;

export function ensureCaptureStyles(): void {
  if (done || typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in document)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  done = true;
}
