/**
 * The chain of title on a registry entry's page (`GET /v1/registry/{number}`, public): who holds
 * which rights now, the registration and each completed transfer in order, the pledges (in force
 * or released) and how many licences are in force. Display names only, each link with the log
 * entry that records it.
 */
import { api } from './api.js';
import { h } from './dom.js';
import { tr, type Text } from './i18n.js';
import { rightsText } from './op-kit.js';
import type { TitleView } from './op-labels.js';
import { ensureOpStyles } from './op-style.js';
import { time } from './reg-view.js';

const T = {
  heading: { zh: '权利链', en: 'Chain of title' },
  holders: { zh: '现权利人', en: 'Current holders' },
  links: { zh: '登记与转让', en: 'Registration and transfers' },
  registered: { zh: '登记：{to}（{rights}）', en: 'Registered: {to} ({rights})' },
  transferred: { zh: '转让：{from} → {to}（{rights}）', en: 'Transferred: {from} → {to} ({rights})' },
  entry: { zh: '日志条目 #{n}', en: 'log entry #{n}' },
  pledges: { zh: '质押', en: 'Pledges' },
  pledgedNow: { zh: '已出质', en: 'Pledged' },
  notPledged: { zh: '未出质', en: 'Not pledged' },
  pledgeActive: { zh: '质权人 {p}，{at} 登记，有效', en: 'Pledgee {p}, registered {at}, in force' },
  pledgeReleased: { zh: '质权人 {p}，{at} 登记，{rel} 解除', en: 'Pledgee {p}, registered {at}, released {rel}' },
  noPledges: { zh: '无质押记录。', en: 'No pledges.' },
  licences: { zh: '有效许可', en: 'Licences in force' },
  licenceCount: { zh: '{n} 项（其中专有许可 {x} 项）', en: '{n} ({x} exclusive)' },
  all: { zh: '全部权利', en: 'all rights' },
  check: { zh: '查验某项使用是否已获许可', en: 'Check whether a use is licensed' },
} satisfies Record<string, Text>;

function plain(el: HTMLElement): string {
  return el.textContent ?? '';
}

/** The chain of title of `number` as a section, or null when the service has none for it. */
export async function chainOfTitle(number: string, signal?: AbortSignal): Promise<HTMLElement | null> {
  let v: TitleView;
  try {
    v = await api<TitleView>('GET', `/v1/registry/${encodeURIComponent(number)}`, undefined, signal ? { signal } : undefined);
  } catch {
    return null;
  }
  if (!Array.isArray(v.holders)) return null;
  ensureOpStyles();
  return h(
    'section',
    { class: 'chain', 'aria-labelledby': 'chain-h' },
    h('h2', { id: 'chain-h' }, tr(T.heading), ' ', h('span', { class: v.pledged ? 'badge bad' : 'badge' }, tr(v.pledged ? T.pledgedNow : T.notPledged))),
    h(
      'dl',
      { class: 'details' },
      h('dt', null, tr(T.holders)),
      h('dd', null, h('ul', { class: 'holders' }, v.holders.map((x) => h('li', null, `${x.name}${tr({ zh: '：', en: ': ' })}${rightsText(x.rights, T.all)}`)))),
      h('dt', null, tr(T.licences)),
      h('dd', null, tr(T.licenceCount, { n: v.licences.active, x: v.licences.exclusive }), ' · ', h('a', { href: `/licences/check?number=${encodeURIComponent(v.number)}` }, tr(T.check))),
    ),
    h('h3', null, tr(T.links)),
    h(
      'ol',
      { class: 'links' },
      v.chain.map((c) =>
        h(
          'li',
          null,
          time(c.at),
          ' ',
          c.kind === 'registration' ? tr(T.registered, { to: c.to, rights: rightsText(c.rights, T.all) }) : tr(T.transferred, { from: c.from ?? '', to: c.to, rights: rightsText(c.rights, T.all) }),
          c.index !== undefined ? h('span', { class: 'muted' }, ` · ${tr(T.entry, { n: c.index })}`) : null,
        ),
      ),
    ),
    h('h3', null, tr(T.pledges)),
    v.pledges.length === 0
      ? h('p', { class: 'empty' }, tr(T.noPledges))
      : h(
          'ol',
          { class: 'links pledges' },
          v.pledges.map((p) =>
            h(
              'li',
              null,
              h('span', { class: p.state === 'active' ? 'badge bad' : 'badge' }, tr(p.state === 'active' ? T.pledgedNow : { zh: '已解除', en: 'Released' })),
              ' ',
              p.state === 'active' ? tr(T.pledgeActive, { p: p.pledgee, at: plain(time(p.at)) }) : tr(T.pledgeReleased, { p: p.pledgee, at: plain(time(p.at)), rel: p.releasedAt ? plain(time(p.releasedAt)) : '' }),
              h('span', { class: 'muted' }, ` · ${tr(T.entry, { n: p.index })}`),
            ),
          ),
        ),
  );
}
