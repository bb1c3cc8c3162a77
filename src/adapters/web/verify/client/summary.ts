/**
 * "What the certificate states": the facts a reader looks for (id or registration number, title,
 * hashes, times, the trusted time), read from a certificate whose checks all passed. Read only
 * after verification: the page shows it only when no check failed.
 */
import { describeTimestamp } from '../../../../core/timestamp.js';
import { checkpointHeightOf } from '../../../../core/trust.js';
import { h } from '../../portal/client/dom.js';
import { fmtBytes, fmtTime, tr, type Text } from '../../portal/client/i18n.js';

const L = {
  states: { zh: '证书所载内容', en: 'What the certificate states' },
  depositId: { zh: '存证编号', en: 'Deposit id' },
  number: { zh: '登记号', en: 'Registration number' },
  title: { zh: '作品名称', en: 'Title' },
  authors: { zh: '作者', en: 'Authors' },
  holders: { zh: '著作权人', en: 'Rights holders' },
  sha256: { zh: 'SHA-256', en: 'SHA-256' },
  sm3: { zh: 'SM3', en: 'SM3' },
  size: { zh: '文件大小', en: 'File size' },
  received: { zh: '存证时间', en: 'Deposited at' },
  registered: { zh: '登记时间', en: 'Registered at' },
  deposits: { zh: '关联存证', en: 'Deposits' },
  block: { zh: '区块高度', en: 'Block height' },
  trustedTime: { zh: '可信时间', en: 'Trusted time' },
  by: { zh: '出具方：{tsa}', en: 'by {tsa}' },
} satisfies Record<string, Text>;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const names = (v: unknown): string | undefined =>
  Array.isArray(v) ? v.map((x) => str(obj(x).name)).filter((x): x is string => x !== undefined).join('、') || undefined : undefined;

function time(iso: string): (string | HTMLElement)[] {
  return [fmtTime(iso), ' ', h('code', null, iso)];
}

/** The summary of `cert` (already verified), as a description list. */
export function certificateSummary(cert: unknown): HTMLElement {
  const c = obj(cert);
  const rows: [Text, (string | HTMLElement)[] | string | undefined][] = [];
  if (c.format === 'copyright-ledger/registration-certificate@v1') {
    const r = obj(c.record);
    rows.push([L.number, str(r.number)], [L.title, str(r.title)], [L.authors, names(r.authors)], [L.holders, names(r.rightsHolders)]);
    const at = str(r.registeredAt);
    rows.push([L.registered, at !== undefined ? time(at) : undefined]);
    const deps = Array.isArray(r.deposits) ? r.deposits.map((d) => str(obj(d).id)).filter((x): x is string => x !== undefined) : [];
    rows.push([L.deposits, deps.length > 0 ? [h('code', null, deps.join(', '))] : undefined]);
  } else {
    const d = obj(c.deposit);
    const w = obj(c.work);
    rows.push([L.depositId, str(d.id) !== undefined ? [h('code', null, str(d.id)!)] : undefined], [L.title, str(obj(w.metadata).title)]);
    rows.push([L.sha256, str(w.sha256) !== undefined ? [h('code', null, str(w.sha256)!)] : undefined]);
    rows.push([L.sm3, str(w.sm3) !== undefined ? [h('code', null, str(w.sm3)!)] : undefined]);
    rows.push([L.size, typeof w.size === 'number' ? `${fmtBytes(w.size)} (${w.size} B)` : undefined]);
    const at = str(d.receivedAt);
    rows.push([L.received, at !== undefined ? time(at) : undefined]);
  }
  const height = checkpointHeightOf(cert);
  rows.push([L.block, height !== undefined ? String(height) : undefined]);
  try {
    const ts = describeTimestamp(cert);
    if (ts !== undefined) rows.push([L.trustedTime, [...time(ts.genTime), h('br'), h('small', null, tr(L.by, { tsa: ts.tsa }))]]);
  } catch {
    // an unreadable token: the timestamp check already failed
  }
  const items = rows.filter(([, v]) => v !== undefined && v !== '').flatMap(([label, v]) => [h('dt', null, tr(label)), h('dd', null, v!)]);
  return h('div', { class: 'summary' }, h('h3', null, tr(L.states)), h('dl', null, items));
}
