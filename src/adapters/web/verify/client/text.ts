/**
 * The verify page's words, in Chinese and English: the page's own messages (T) and, for every
 * check src/core reports by name, a title and one sentence a lawyer understands when it passes
 * and when it fails (CHECKS). The technical detail core returns is shown under the sentence.
 */
import type { Text } from '../../portal/client/i18n.js';

export const T = {
  certFromServer: { zh: '已从本服务取得存证 {id} 的证书（只用于显示；是否有效由下方在您浏览器中的核验决定）。', en: 'The certificate of deposit {id} was fetched from this service (for convenience only: whether it is valid is decided by the checks below, run in your browser).' },
  certFetching: { zh: '正在取得存证 {id} 的证书…', en: 'Fetching the certificate of deposit {id}…' },
  certFetchFailed: {
    zh: '未能从本服务取得存证 {id} 的证书（{why}）。证书只交给存证人：请登录存证人的账户，或把您收到的证书（PDF 或 JSON）拖放到下方。',
    en: 'The certificate of deposit {id} could not be fetched from this service ({why}). Certificates are given to the depositor only: sign in as the depositor, or drop the certificate you were given (PDF or JSON) below.',
  },
  certDropped: { zh: '下方核验的是您提供的证书 {name}。', en: 'The checks below are of the certificate you gave, {name}.' },
  offline: { zh: '网络不可用', en: 'no network' },
  readPdf: { zh: '{name}：已从 PDF 中读取附带的 JSON 证书 {attachment}', en: '{name}: read the JSON certificate {attachment} attached to the PDF' },
  readJson: { zh: '{name}（{size}）', en: '{name} ({size})' },
  noAttachment: { zh: '{name}：PDF 中没有找到附带的证书 JSON。请使用本服务出具的 PDF 证书，或直接提供 JSON 证书。', en: '{name}: the PDF carries no certificate JSON attachment. Use a PDF certificate issued by this service, or the JSON certificate itself.' },
  tooLarge: { zh: '{name}（{size}）太大，不是证书：请选择 PDF 证书或 JSON 证书。', en: '{name} ({size}) is too large to be a certificate: pick the PDF or JSON certificate.' },
  hashing: { zh: '正在本地计算哈希… {pct}%', en: 'Hashing locally… {pct}%' },
  hashed: { zh: '{name} · {size} · SHA-256 {sha256} · SM3 {sm3}', en: '{name} · {size} · SHA-256 {sha256} · SM3 {sm3}' },
  needCert: { zh: '请先选择、拖放或粘贴证书。', en: 'Pick, drop or paste the certificate first.' },
  badKeys: { zh: '信任的公钥格式错误：{detail}', en: 'The trusted key list is not a list of verifier keys: {detail}' },
  tsaLoaded: { zh: '{name}：{n} 个证书', en: '{name}: {n} certificate(s)' },
  pass: { zh: '通过', en: 'Passed' },
  fail: { zh: '未通过', en: 'Failed' },
  caution: { zh: '通过，但请注意', en: 'Passed, with a caution' },
  notRun: { zh: '未核验', en: 'Not checked' },
  details: { zh: '技术细节', en: 'Technical detail' },
  fileNotGiven: { zh: '未提供作品文件：未核对文件本身。如需证明某个文件就是登记的作品，请在上方提供该文件。', en: 'No work file given: the file itself was not compared. To show a given file is the recorded work, drop it above.' },
  validSay: { zh: '全部核验均在您的浏览器中完成并通过，且日志公钥是您信任的公钥。', en: 'Every check ran in your browser and passed, against a log key you trust.' },
  invalidSay: { zh: '以下核验未通过：{failed}。不能依赖此证书。', en: 'These checks failed: {failed}. Do not rely on this certificate.' },
  unpinnedSay: {
    zh: '各项核验均通过，但所用的是证书自带的日志公钥，它不在您信任的公钥中；这不能证明证书来自您信任的日志。',
    en: 'Every check passed against the key the certificate carries, but that key is not one you trust: nothing shows the certificate comes from the log you trust.',
  },
  keyInCert: { zh: '证书中的日志公钥：', en: 'Log key in the certificate: ' },
  fingerprint: { zh: '指纹（SHA-256）：', en: 'Fingerprint (SHA-256): ' },
  keyPinned: { zh: '是您信任的公钥 ✔', en: 'one of your trusted keys ✔' },
  keyNotPinned: { zh: '不是您信任的公钥：请与日志运营方公布的指纹核对后，再把它加入下方的信任列表。', en: 'not one of your trusted keys: compare the fingerprint with the one the operator publishes, then add the key to the trusted list below.' },
} satisfies Record<string, Text>;

export interface CheckText {
  title: Text;
  pass: Text;
  fail: Text;
}

/** Every check name src/core reports (evidence and registration certificates). */
export const CHECKS: Record<string, CheckText> = {
  format: {
    title: { zh: '证书格式', en: 'Certificate format' },
    pass: { zh: '这是一份格式完整、可以逐项核验的证书。', en: 'This is a complete certificate in the expected format, so every part of it can be checked.' },
    fail: { zh: '这不是完整的证书，或证书被改动后已无法读取。', en: 'This is not a complete certificate, or it was changed so that it can no longer be read.' },
  },
  logKey: {
    title: { zh: '日志公钥', en: 'Log key' },
    pass: { zh: '证书所用的日志公钥是您信任的公钥（运营方公布的公钥），且在其有效的区块范围内。', en: 'The certificate uses a log key you trust (the one the operator publishes), within the blocks that key is valid for.' },
    fail: { zh: '证书所用的日志公钥不是您信任的公钥，或该公钥在此区块之前已经停用。', en: 'The certificate uses a log key you do not trust, or one that was retired before this block.' },
  },
  checkpointSignature: {
    title: { zh: '区块签名', en: 'Block signature' },
    pass: { zh: '记录此证书的区块（检查点）带有日志公钥的有效签名，区块内容未被改动。', en: 'The block (checkpoint) that records this certificate carries a valid signature by the log key, so its content is unchanged.' },
    fail: { zh: '区块（检查点）的签名不成立：区块内容被改动过，或它不是由该日志公钥签署的。', en: 'The block (checkpoint) signature does not hold: the block was changed, or it was not signed by the log key.' },
  },
  treeSize: {
    title: { zh: '日志规模', en: 'Log size' },
    pass: { zh: '包含证明所针对的日志规模与已签名区块所记载的一致。', en: 'The inclusion proof is for the same log size the signed block states.' },
    fail: { zh: '包含证明所针对的日志规模与已签名区块不一致。', en: 'The inclusion proof is for another log size than the signed block states.' },
  },
  inclusion: {
    title: { zh: '包含证明', en: 'Inclusion proof' },
    pass: { zh: '默克尔包含证明表明，此证书的日志条目确实记录在已签名区块所覆盖的日志中，不能事后加入或改动。', en: 'The Merkle inclusion proof shows this certificate’s log entry is recorded in the log the signed block covers: it cannot have been added or changed later.' },
    fail: { zh: '默克尔包含证明不成立：不能证明此条目记录在已签名的日志中。', en: 'The Merkle inclusion proof does not hold: nothing shows this entry is in the signed log.' },
  },
  entry: {
    title: { zh: '日志条目', en: 'Log entry' },
    pass: { zh: '日志条目记载的编号与时间，与证书上写的一致。', en: 'The log entry states the same id and time as the certificate.' },
    fail: { zh: '日志条目记载的编号或时间与证书上写的不一致。', en: 'The log entry states another id or time than the certificate.' },
  },
  workHashes: {
    title: { zh: '作品指纹', en: 'Work fingerprints' },
    pass: { zh: '证书上作品的哈希值（SHA-256、SM3、大小）与日志条目中记录的一致。', en: 'The work’s hashes on the certificate (SHA-256, SM3, size) are the ones recorded in the log entry.' },
    fail: { zh: '证书上作品的哈希值与日志条目中记录的不一致，证书被改动过。', en: 'The work’s hashes on the certificate differ from those recorded in the log entry: the certificate was changed.' },
  },
  metadata: {
    title: { zh: '作品信息', en: 'Work details' },
    pass: { zh: '证书中的作品信息（名称、作者等）与存证时记录在日志中的摘要一致，未被改动。', en: 'The work details on the certificate (title, author, …) match the digest recorded in the log at deposit: they are unchanged.' },
    fail: { zh: '证书中的作品信息与日志中记录的摘要不一致，作品信息被改动过。', en: 'The work details on the certificate do not match the digest recorded in the log: they were changed.' },
  },
  file: {
    title: { zh: '作品文件', en: 'Work file' },
    pass: { zh: '您提供的文件与证书所记录的作品完全相同（哈希值一致）。', en: 'The file you gave is exactly the recorded work (the hashes are equal).' },
    fail: { zh: '您提供的文件不是证书所记录的作品（哈希值不同）。', en: 'The file you gave is not the recorded work (the hashes differ).' },
  },
  timestamp: {
    title: { zh: '可信时间戳', en: 'Trusted timestamp' },
    pass: { zh: '时间戳机构按 RFC 3161 签署的时间戳覆盖了该区块，证明区块最迟在所载时间已经存在。', en: 'An RFC 3161 timestamp signed by a time-stamping authority covers the block: the block existed by the time it states.' },
    fail: { zh: '时间戳无效：其签名不成立、未覆盖该区块，或时间戳机构的证书不可信。', en: 'The timestamp is not valid: its signature does not hold, it does not cover the block, or the authority’s certificate is not trusted.' },
  },
  record: {
    title: { zh: '登记事项', en: 'Registration record' },
    pass: { zh: '证书上的登记事项（编号、名称、作者、著作权人等）与登记时记录在日志中的摘要一致。', en: 'The registration record on the certificate (number, title, authors, holders, …) matches the digest recorded in the log at registration.' },
    fail: { zh: '证书上的登记事项与日志中记录的摘要不一致，登记事项被改动过。', en: 'The registration record on the certificate does not match the digest recorded in the log: it was changed.' },
  },
  deposits: {
    title: { zh: '关联存证', en: 'Linked deposits' },
    pass: { zh: '登记所依据的存证与日志条目中记录的一致。', en: 'The deposits the registration rests on are those recorded in the log entry.' },
    fail: { zh: '登记所依据的存证与日志条目中记录的不一致。', en: 'The deposits the registration rests on differ from those recorded in the log entry.' },
  },
  checkpoint: {
    title: { zh: '区块记录', en: 'Stored block' },
    pass: { zh: '该区块就是本日志在此高度保存的区块。', en: 'The block is the one this log stores at its height.' },
    fail: { zh: '该区块不是本日志在此高度保存的区块。', en: 'The block is not the one this log stores at its height.' },
  },
};

/** Cautions shown on a passing check, recognised from core's detail text. */
export const CAUTIONS: { test: (name: string, detail: string) => boolean; say: Text }[] = [
  {
    test: (n, d) => n === 'logKey' && d.startsWith('not pinned'),
    say: { zh: '注意：没有您信任的公钥，本项只是按证书自带的公钥核验。', en: 'Caution: no key of yours is trusted, so this used the key the certificate carries.' },
  },
  {
    test: (n, d) => n === 'timestamp' && d.includes('not pinned'),
    say: { zh: '注意：未固定时间戳机构证书，采用的是时间戳自带的证书（可在下方“信任设置”中固定）。', en: 'Caution: no TSA certificate is pinned, so the one the token carries was used (pin one under “Trust settings” below).' },
  },
  {
    test: (n, d) => n === 'timestamp' && d.includes('SELF-ISSUED'),
    say: { zh: '注意：该时间戳由本服务内置的时间戳机构自行签发，并非独立第三方的证明。', en: 'Caution: the timestamp comes from this service’s built-in authority, which certifies itself: it is not independent evidence.' },
  },
];
