/**
 * `/stats` (public): deposits per day over the last 90 days as an SVG bar chart — an image with
 * a title and a description for screen readers, and the same numbers as a table — and progress
 * against the targets, from `GET /v1/stats/public`.
 */
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { lang, tr, type Text } from '../i18n.js';
import type { PageContext, Route } from '../router.js';
import { ensureStyles } from '../reg-style.js';
import { num } from '../reg-view.js';
import { s } from '../svg.js';

export interface PublicStats {
  deposits: { total: number; perDay: { date: string; count: number }[] };
  registrations: { applications: number; approved: number };
  organisations: { total: number };
  targets: { deposits: number; applications: number; organisations: number };
}

const T = {
  title: { zh: '统计', en: 'Statistics' },
  lead: { zh: '服务的公开数据，每分钟更新。', en: 'Public figures of the service, updated every minute.' },
  deposits: { zh: '存证', en: 'Deposits' },
  applications: { zh: '登记申请', en: 'Registration applications' },
  approved: { zh: '已登记作品', en: 'Registered works' },
  organisations: { zh: '服务的机构', en: 'Organisations served' },
  perDay: { zh: '每日存证数（最近 {n} 天，UTC）', en: 'Deposits per day (last {n} days, UTC)' },
  chartDesc: {
    zh: '柱状图：{from} 至 {to} 每日存证数。共 {total} 项；最多的一天是 {maxDate}，{max} 项。',
    en: 'Bar chart of deposits per day from {from} to {to}: {total} in all; the busiest day was {maxDate} with {max}.',
  },
  chartEmpty: { zh: '柱状图：{from} 至 {to} 期间没有存证。', en: 'Bar chart: no deposits from {from} to {to}.' },
  table: { zh: '以表格显示每日数据', en: 'Show the daily numbers as a table' },
  date: { zh: '日期', en: 'Date' },
  count: { zh: '存证数', en: 'Deposits' },
  progress: { zh: '目标进度', en: 'Progress against the targets' },
  of: { zh: '{value} / {target}（{pct}）', en: '{value} of {target} ({pct})' },
  noData: { zh: '暂无每日数据。', en: 'No daily figures yet.' },
} satisfies Record<string, Text>;

/** 1, 2 or 5 × 10^k at least `x`: a round step for the y axis. */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(x, 1)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function pct(value: number, target: number): string {
  const r = target > 0 ? (value / target) * 100 : 0;
  if (r > 0 && r < 0.001) return lang() === 'zh' ? '不足 0.001%' : 'under 0.001%';
  const digits = r >= 10 ? 1 : r >= 1 ? 2 : r > 0 ? 3 : 0;
  return `${r.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}%`;
}

/** The bar chart, `width` CSS pixels wide (text stays legible at a phone's width). */
export function perDayChart(days: { date: string; count: number }[], width: number): SVGSVGElement {
  const W = Math.round(Math.min(Math.max(width, 300), 1000));
  const H = 240;
  const m = { left: 48, right: 24, top: 14, bottom: 32 };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const max = Math.max(0, ...days.map((d) => d.count));
  const step = niceStep(Math.max(max, 4) / 4);
  const yMax = step * Math.max(1, Math.ceil(max / step));
  const y = (v: number) => m.top + plotH - (v / yMax) * plotH;
  const bw = plotW / Math.max(days.length, 1);
  const gap = bw > 5 ? Math.min(2, bw * 0.2) : 0;
  const every = Math.max(1, Math.ceil(days.length / Math.max(1, Math.floor(plotW / 64))));
  const total = days.reduce((a, d) => a + d.count, 0);
  const busiest = days.reduce((a, d) => (d.count > a.count ? d : a), days[0] ?? { date: '', count: 0 });
  const from = days[0]?.date ?? '';
  const to = days[days.length - 1]?.date ?? '';
  const desc = total === 0 ? tr(T.chartEmpty, { from, to }) : tr(T.chartDesc, { from, to, total: num(total), maxDate: busiest.date, max: num(busiest.count) });
  const grid = [];
  for (let v = 0; v <= yMax; v += step) {
    grid.push(
      s('line', { x1: m.left, x2: W - m.right, y1: y(v), y2: y(v), stroke: v === 0 ? '#4a5260' : '#dfe3ea', 'stroke-width': 1 }),
      s('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#4a5260' }, num(v)),
    );
  }
  return s(
    'svg',
    { role: 'img', 'aria-labelledby': 'chart-title chart-desc', viewBox: `0 0 ${W} ${H}`, width: '100%', height: H, preserveAspectRatio: 'xMidYMid meet', class: 'chart', focusable: 'false' },
    s('title', { id: 'chart-title' }, tr(T.perDay, { n: days.length })),
    s('desc', { id: 'chart-desc' }, desc),
    grid,
    days.map((d, i) =>
      s(
        'rect',
        { x: m.left + i * bw + gap / 2, y: y(d.count), width: Math.max(bw - gap, 0.5), height: Math.max(m.top + plotH - y(d.count), 0), fill: '#0b5cad' },
        s('title', null, `${d.date}: ${num(d.count)}`),
      ),
    ),
    days.map((d, i) =>
      (days.length - 1 - i) % every === 0
        ? s('text', { x: m.left + i * bw + bw / 2, y: H - m.bottom + 18, 'text-anchor': 'middle', 'font-size': 12, fill: '#4a5260' }, d.date.slice(5))
        : null,
    ),
  );
}

function dataTable(days: { date: string; count: number }[]): HTMLElement {
  return h(
    'details',
    null,
    h('summary', null, tr(T.table)),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        null,
        h('caption', { class: 'visually-hidden' }, tr(T.perDay, { n: days.length })),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, tr(T.date)), h('th', { scope: 'col', class: 'num' }, tr(T.count)))),
        h('tbody', null, [...days].reverse().map((d) => h('tr', null, h('th', { scope: 'row' }, d.date), h('td', { class: 'num' }, num(d.count))))),
      ),
    ),
  );
}

function progressRow(id: string, label: Text, value: number, target: number): HTMLElement {
  return h(
    'div',
    { class: 'progress' },
    h('label', { for: id }, h('strong', null, tr(label))),
    h('progress', { id, max: target, value: Math.min(value, target), 'aria-describedby': `${id}-text` }, pct(value, target)),
    h('span', { class: 'status', id: `${id}-text` }, tr(T.of, { value: num(value), target: num(target), pct: pct(value, target) })),
  );
}

async function render(ctx: PageContext): Promise<void> {
  const st = await api<PublicStats>('GET', '/v1/stats/public');
  const days = st.deposits.perDay;
  const card = (label: Text, value: number) => h('div', { class: 'card' }, h('p', null, tr(label)), h('p', { class: 'figure' }, num(value)));
  const chartBox = h('div', { class: 'chart-box' });
  replace(
    ctx.main,
    h('h1', null, tr(T.title)),
    h('p', { class: 'lead' }, tr(T.lead)),
    h('div', { class: 'cards', id: 'totals' }, card(T.deposits, st.deposits.total), card(T.applications, st.registrations.applications), card(T.approved, st.registrations.approved), card(T.organisations, st.organisations.total)),
    h('section', { 'aria-labelledby': 'chart-h' }, h('h2', { id: 'chart-h' }, tr(T.perDay, { n: days.length })), days.length > 0 ? [chartBox, dataTable(days)] : h('p', { class: 'empty' }, tr(T.noData))),
    h(
      'section',
      { 'aria-labelledby': 'progress-h' },
      h('h2', { id: 'progress-h' }, tr(T.progress)),
      progressRow('p-deposits', T.deposits, st.deposits.total, st.targets.deposits),
      progressRow('p-applications', T.applications, st.registrations.applications, st.targets.applications),
      progressRow('p-organisations', T.organisations, st.organisations.total, st.targets.organisations),
    ),
  );
  if (days.length > 0) replace(chartBox, perDayChart(days, chartBox.clientWidth || ctx.main.clientWidth - 32));
}

ensureStyles();

export const routes: Route[] = [{ path: '/stats', title: T.title, nav: { order: 70 }, render }];
