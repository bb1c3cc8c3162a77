/** The portal's front page: what the service does and where to start. */
import { h, replace } from '../dom.js';
import { tr, type Text } from '../i18n.js';
import type { Route } from '../router.js';

const T = {
  title: { zh: '首页', en: 'Home' },
  heading: { zh: '为您的作品留下可独立验证的存证', en: 'Evidence for your work that anyone can check' },
  lead: {
    zh: '版权存证链把作品的指纹（SHA-256 与 SM3 哈希）写入一条只增不改的公开默克尔日志，并为每次存证签发证书。任何人都可以离线验证证书，无需信任本服务。',
    en: 'copyright-ledger writes the fingerprint of your work (its SHA-256 and SM3 hashes) into an append-only public Merkle log and issues a certificate for every deposit. Anyone can verify a certificate offline, without trusting this service.',
  },
  depositH: { zh: '存证作品', en: 'Deposit a work' },
  depositP: { zh: '拖入文件，在浏览器中计算哈希。可以只提交哈希——文件不会离开您的电脑。', en: 'Drop a file and it is hashed in your browser. You may send only the hash — the file never leaves your computer.' },
  depositA: { zh: '开始存证', en: 'Start a deposit' },
  verifyH: { zh: '验证证书', en: 'Verify a certificate' },
  verifyP: { zh: '检查证书（JSON 或 PDF）和作品文件。所有检查都在您的浏览器中完成。', en: 'Check a certificate (JSON or PDF) and the work file. Every check runs in your browser.' },
  verifyA: { zh: '去验证', en: 'Verify' },
  registryH: { zh: '登记公示', en: 'Public registry' },
  registryP: { zh: '查询已审核通过的作品登记。', en: 'Search the works whose registration was approved.' },
  registryA: { zh: '查询登记', en: 'Search the registry' },
  priorH: { zh: '在先存证查询', en: 'Prior-art lookup' },
  priorP: { zh: '拖入文件，查看它是否已被存证。只有哈希会发送到服务器。', en: 'Drop a file to see whether it was deposited before. Only its hash is sent.' },
  priorA: { zh: '查询', en: 'Look it up' },
  captureH: { zh: '网页取证', en: 'Capture a web page' },
  captureP: { zh: '服务在全新的浏览器中录制网页，签名打包为 WACZ 取证包并存证。', en: 'The service records a page in a fresh browser, signs it as a WACZ bundle and deposits it.' },
  captureA: { zh: '开始取证', en: 'Capture a page' },
  how: { zh: '工作原理', en: 'How it works' },
  how1: { zh: '您的浏览器计算文件的 SHA-256 和 SM3 哈希。', en: 'Your browser computes the SHA-256 and SM3 hashes of the file.' },
  how2: { zh: '服务把哈希和作品信息的摘要写入日志，并以签名的检查点固定日志状态。', en: 'The service appends the hashes and a digest of the work’s details to the log and fixes the log’s state with a signed checkpoint.' },
  how3: { zh: '证书附有默克尔包含证明、签名的检查点和可信时间戳，任何人都可以用公开的验证工具独立核验。', en: 'The certificate carries an inclusion proof, the signed checkpoint and a trusted timestamp, checkable with the public verifier.' },
  signupA: { zh: '注册账户', en: 'Create an account' },
  signinA: { zh: '登录', en: 'Sign in' },
  mine: { zh: '我的存证', en: 'My deposits' },
} satisfies Record<string, Text>;

function card(title: Text, body: Text, link: Text, href: string): HTMLElement {
  return h('section', { class: 'card' }, h('h2', null, tr(title)), h('p', null, tr(body)), h('a', { class: 'button secondary', href }, tr(link)));
}

export const routes: Route[] = [
  {
    path: '/',
    title: T.title,
    render(ctx) {
      replace(
        ctx.main,
        h('h1', null, tr(T.heading)),
        h('p', { class: 'lead' }, tr(T.lead)),
        h(
          'div',
          { class: 'actions' },
          ctx.session
            ? [h('a', { class: 'button', href: '/deposit' }, tr(T.depositA)), h('a', { class: 'button secondary', href: '/deposits' }, tr(T.mine))]
            : [h('a', { class: 'button', href: '/signup' }, tr(T.signupA)), h('a', { class: 'button secondary', href: '/signin' }, tr(T.signinA))],
        ),
        h(
          'div',
          { class: 'cards' },
          card(T.depositH, T.depositP, T.depositA, '/deposit'),
          card(T.verifyH, T.verifyP, T.verifyA, '/verify'),
          card(T.priorH, T.priorP, T.priorA, '/prior-art'),
          card(T.registryH, T.registryP, T.registryA, '/registry'),
          card(T.captureH, T.captureP, T.captureA, '/captures'),
        ),
        h('h2', null, tr(T.how)),
        h('ol', null, h('li', null, tr(T.how1)), h('li', null, tr(T.how2)), h('li', null, tr(T.how3))),
      );
    },
  },
];
