/**
 * SVG built the way dom.ts builds HTML: `s(tag, attrs, ...children)` with createElementNS, text
 * always as text. Presentation attributes (fill, stroke) are attributes, not inline styles, so
 * the portal's CSP (`style-src 'self'`) allows them.
 */
import { append, type Attrs, type Child } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}
