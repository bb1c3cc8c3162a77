/** The environment, validated once at start-up. */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { isUnifiedSocialCreditCode } from './core/identity.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A rate budget "<quota>/<window>" (window: seconds, or a number with s, m, h or d), e.g. "30/1h"; "off" or "0": no limit. docs/LIMITS.md */
const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t === 'off' || t === '0') return null;
      const m = /^([1-9][0-9]{0,9})\/([1-9][0-9]{0,6})(s|m|h|d)?$/.exec(t);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not <quota>/<window> (e.g. 30/1h, 600/60s) or off` });
        return z.NEVER;
      }
      const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(m[3] ?? 's') as 's' | 'm' | 'h' | 'd'];
      return { quota: Number(m[1]), windowSeconds: Number(m[2]) * unit };
    });

/** Express 'trust proxy': false (default: the socket address is the client), true, a hop count, or addresses/subnets. */
const trustProxy = z
  .string()
  .default('false')
  .transform((v): boolean | number | string => {
    const t = v.trim();
    if (t === 'false' || t === '0' || t === '') return false;
    if (t === 'true') return true;
    if (/^[1-9][0-9]?$/.test(t)) return Number(t);
    return t;
  });

export const ConfigSchema = z.object({
  PORT: z.coerce.number({ error: 'expected a number 0–65535' }).int('expected a number 0–65535').min(0, 'expected a number 0–65535').max(65535, 'expected a number 0–65535').default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./store'),
  /** postgres:// or postgresql:// URL: the log, accounts and records live in PostgreSQL instead of LevelDB in DATA_DIR. docs/SCALING.md */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  LOG_ORIGIN: z
    .string()
    .regex(/^[^\s+]+$/, 'an origin has no spaces and no "+"')
    .default('localhost/copyright-ledger'),
  LOG_KEY_FILE: z.string().min(1).optional(),
  /** The key the log signed with before a rotation (default: DATA_DIR/log-key.previous.pem if present). docs/OPERATIONS.md */
  LOG_PREVIOUS_KEY_FILE: z.string().min(1).optional(),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  PUBLIC_URL: z.string().url().optional(),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
  KEEP_UPLOADS: bool.default(true),
  /** Also publish the log as C2SP tlog-tiles (tiles, entry bundles, checkpoint) into this directory, for any static file server (docs/TILES.md). */
  TILES_DIR: z.string().min(1).optional(),
  /** Most entries in one sequencer batch. */
  MAX_BATCH_ENTRIES: z.coerce.number().int().min(10_000, 'at least 10,000: a full POST /v1/deposits/batch must fit one block').max(100_000).default(20_000),
  /** Most entries waiting for a batch before deposits are answered 503 overloaded. */
  MAX_QUEUE_ENTRIES: z.coerce.number().int().min(1).default(200_000),
  LOG_LEVEL: z.enum(['silent', 'error', 'warn', 'info', 'debug']).default('info'),
  /** `production` requires PUBLIC_URL (URLs in certificates never come from the request's Host). */
  NODE_ENV: z.string().optional(),
  /** Slowest sustained upload rate served in full: the request time limit is MAX_UPLOAD_BYTES / this (at least 5 minutes). docs/SECURITY.md */
  MIN_UPLOAD_BYTES_PER_SEC: z.coerce.number().int().min(1024).default(256 * 1024),
  /** A connection that sends nothing for this long in the middle of a request body is closed. */
  BODY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Time to receive a request's headers. */
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** Most open connections; more are closed at once. */
  MAX_CONNECTIONS: z.coerce.number().int().min(1).default(1_024),
  /** RFC 3161 TSAs (comma-separated http(s) URLs), tried in order; none: the built-in TSA (self-issued time). docs/TIMESTAMPS.md */
  TSA_URLS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const urls = (v ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '');
      for (const u of urls) {
        let ok = false;
        try {
          ok = ['http:', 'https:'].includes(new URL(u).protocol);
        } catch {
          ok = false;
        }
        if (!ok) ctx.addIssue({ code: 'custom', message: `${u} is not an http(s) URL` });
      }
      return urls;
    }),
  /** PEM file of the CA (or TSA) certificates external tokens must chain to; also pinned by POST /v1/verify. */
  TSA_CA_FILE: z.string().min(1).optional(),
  /** Give up on one TSA request after this many milliseconds. */
  TSA_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** First retry delay after every TSA failed; doubles up to TSA_BACKOFF_MAX_MS. */
  TSA_BACKOFF_MS: z.coerce.number().int().min(10).default(1_000),
  TSA_BACKOFF_MAX_MS: z.coerce.number().int().min(10).default(300_000),
  /** Least time between two block timestamps: the newest block's token covers all earlier entries. */
  TSA_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1_000),
  /** Targets GET /v1/stats reports progress against (docs/REGISTRATION.md). */
  STATS_TARGET_DEPOSITS: z.coerce.number().int().positive().default(2_000_000),
  STATS_TARGET_APPLICATIONS: z.coerce.number().int().positive().default(100_000),
  STATS_TARGET_ENTITIES: z.coerce.number().int().positive().default(4_000),
  /** Characters of certificate JSON (≈ bytes) kept in memory for GET /v1/deposits/{id}/certificate and POST /v1/certificates; 0: no cache (src/app/certificates.ts). */
  CERTIFICATE_CACHE_BYTES: z.coerce.number().int().min(0).default(32 * 1024 * 1024),
  /** Rate limits, quotas and fair share (docs/LIMITS.md). */
  TRUST_PROXY: trustProxy,
  RATE_LIMITS: bool.default(true),
  RATE_SIGNUP_PER_IP: rate('30/1h'),
  RATE_SIGNUP_PER_KEY: rate('100/1h'),
  RATE_SIGNIN_PER_IP: rate('120/1h'),
  RATE_SIGNIN_PER_KEY: rate('300/1h'),
  RATE_TSA_PER_IP: rate('60/1m'),
  RATE_TSA_PER_KEY: rate('300/1m'),
  RATE_VERIFY_PER_IP: rate('60/1m'),
  RATE_VERIFY_PER_KEY: rate('300/1m'),
  RATE_UPLOAD_PER_IP: rate('1200/1m'),
  RATE_UPLOAD_PER_KEY: rate('600/1m'),
  RATE_WRITE_PER_IP: rate('3000/1m'),
  RATE_WRITE_PER_KEY: rate('1200/1m'),
  RATE_READ_PER_IP: rate('12000/1m'),
  RATE_READ_PER_KEY: rate('6000/1m'),
  /** Bytes of kept originals one account may store (KEEP_UPLOADS=true); 0: unlimited. */
  UPLOAD_QUOTA_BYTES: z.coerce.number().int().min(0).default(10 * 1024 ** 3),
  /** Most entries one account may have waiting for a batch; default max(10,000, MAX_QUEUE_ENTRIES / 4). */
  MAX_QUEUE_ENTRIES_PER_ACCOUNT: z.coerce.number().int().min(1).optional(),
  /** Worker threads per lane (verification, PDF rendering); default cores − 1, at least 1. docs/DESIGN.md */
  WORKER_THREADS: z.coerce.number().int().min(1).max(64).default(() => Math.max(1, availableParallelism() - 1)),
  /** Tasks waiting for a worker thread, per lane, before requests get 503 overloaded. */
  WORKER_QUEUE: z.coerce.number().int().min(0).max(10_000).default(64),
  /** Budget of one POST /v1/verify verification on a worker, queueing included; over it: 503 overloaded. */
  VERIFY_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(3_000),
  /** Budget of one PDF certificate rendering on a worker, queueing included; over it: 503 overloaded. */
  PDF_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** The legal entity operating the service, printed on every PDF certificate (unset: marked "未配置 / not configured"). docs/UPLOADS.md */
  OPERATOR_NAME: z.string().trim().min(1).max(200).optional(),
  /** The operator's 统一社会信用代码 (18 characters, GB 32100-2015 check character verified). */
  OPERATOR_CREDIT_CODE: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isUnifiedSocialCreditCode, 'not a 统一社会信用代码: 18 characters (digits and capitals but I, O, S, V, Z) ending in the GB 32100-2015 check character')
    .optional(),
  /** The operator's 区块链信息服务备案号 (filing number with the Cyberspace Administration of China). */
  OPERATOR_FILING_NUMBER: z.string().trim().min(1).max(100).optional(),
  /** The operator's public web site. */
  OPERATOR_URL: z.string().url().optional(),
  /** PEM RSA private key signing PDF certificates (with PDF_SIGNING_CERT_FILE); default: generated into DATA_DIR/pdf-signing-key.pem. */
  PDF_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** PEM certificate (chain) of PDF_SIGNING_KEY_FILE; default: self-signed, generated into DATA_DIR/pdf-signing-cert.pem. */
  PDF_SIGNING_CERT_FILE: z.string().min(1).optional(),
  /** Folder holding NotoSansSC_400Regular.ttf and NotoSansSC_700Bold.ttf; default: the @expo-google-fonts/noto-sans-sc package. */
  PDF_FONT_DIR: z.string().min(1).optional(),
  /** Web captures (docs/CAPTURE.md): browsers running at once, jobs waiting, jobs per account, time per capture. */
  CAPTURE_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  CAPTURE_QUEUE: z.coerce.number().int().min(0).max(10_000).default(100),
  CAPTURE_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000).default(5),
  CAPTURE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /** Largest response body a capture keeps (larger ones are recorded with WARC-Truncated: length), and largest capture in all (beyond it the capture fails); both capped at MAX_UPLOAD_BYTES. */
  CAPTURE_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(64 * 1024 ** 2),
  CAPTURE_MAX_BYTES: z.coerce.number().int().min(1024).default(256 * 1024 ** 2),
  /** Chromium for captures (Debian's by default). */
  CAPTURE_CHROMIUM: z.string().min(1).default('/usr/bin/chromium'),
  /** Test-only (refused unless NODE_ENV=test): lets captures and webhooks reach loopback, private and other special-purpose addresses (a warning is logged at start). */
  CAPTURE_ALLOW_PRIVATE: bool.default(false),
  /** Test-only (refused unless NODE_ENV=test): `host=ip[,ip…]` (or `host=ipA>ipB`: ipA once, then ipB) separated by `;`, answered instead of DNS. */
  CAPTURE_TEST_HOSTS: z
    .string()
    .regex(/^\s*[a-z0-9.-]+=[0-9a-f.:,>]+(\s*;\s*[a-z0-9.-]+=[0-9a-f.:,>]+)*\s*;?\s*$/i, 'host=ip[,ip…] or host=ipA>ipB, separated by ;')
    .optional(),
  /** Test-only (refused unless NODE_ENV=test): comma-separated addresses captures treat as public (a stand-in server on loopback). */
  CAPTURE_TEST_PUBLIC: z.string().regex(/^[0-9a-f.:]+(,[0-9a-f.:]+)*$/i, 'comma-separated IP addresses').optional(),
  RATE_CAPTURE_PER_IP: rate('20/1h'),
  RATE_CAPTURE_PER_KEY: rate('60/1h'),
  /** Enforcement (docs/ENFORCEMENT.md): deposits waiting to be fingerprinted in the background; more are dropped (fingerprinted when shown again). */
  FINGERPRINT_QUEUE: z.coerce.number().int().min(1).default(10_000),
  /** Largest file POST /v1/matches and POST /v1/deposits/{id}/fingerprint take (held in memory). */
  MATCH_MAX_BYTES: z.coerce.number().int().min(1024).max(512 * 1024 ** 2).default(25 * 1024 ** 2),
  /** Monitoring batches waiting (all platforms together); more are answered 503. */
  MONITOR_QUEUE: z.coerce.number().int().min(1).default(100),
  /** Monitoring batches one account may have queued or running; more are answered 429. */
  MONITOR_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000).default(3),
  /** Webhook delivery attempts before a delivery is marked failed. */
  MONITOR_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** Wait before the first webhook retry; doubled after each failed attempt (exponential back-off). */
  MONITOR_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  /** Time one webhook delivery may take. */
  MONITOR_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Longest a case or a monitored URL waits for its web capture. */
  CASE_CAPTURE_WAIT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(600_000),
  /** Test-only (refused unless NODE_ENV=test): `N` or `N:after-write` stops the N-th commit for good, announcing it on stdout (src/adapters/commit-halt.ts). */
  TEST_HALT_AT_COMMIT: z
    .string()
    .regex(/^[1-9][0-9]{0,8}(:after-write)?$/, 'N or N:after-write, N >= 1')
    .transform((v) => ({ n: Number(v.split(':')[0]), afterWrite: v.endsWith(':after-write') }))
    .optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

/** An invalid setting: `message` is one line naming the variable. The service prints it and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    /** The whole line, e.g. `PORT: expected a number 0–65535, got "abc"`. */
    line: string,
  ) {
    super(line);
  }
}

/** Variables whose values are secrets (ADMIN_API_KEY, …): config errors name them but never print their value. */
const SECRET_VARIABLE = /(^|_)(API_KEY|SECRET|TOKEN|PASSWORD)($|_)/;

/** Parses `env`. MUST throw ConfigError naming every bad variable (on one line) when the environment is invalid. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    const vars = [...new Set(r.error.issues.map((i) => String(i.path[0] ?? '')))];
    const detail = r.error.issues
      .map((i) => {
        const name = i.path.map(String).join('.');
        const got = env[String(i.path[0])];
        // Secrets are never echoed: the line goes to stderr, and from there into logs.
        const shown = got === undefined || SECRET_VARIABLE.test(String(i.path[0])) ? '' : `, got ${JSON.stringify(got.length > 80 ? got.slice(0, 80) + '…' : got)}`;
        return `${name}: ${i.message}${shown}`;
      })
      .join('; ');
    throw new ConfigError(vars.join(', '), detail);
  }
  if (r.data.NODE_ENV === 'production' && r.data.PUBLIC_URL === undefined) {
    throw new ConfigError('PUBLIC_URL', 'PUBLIC_URL: required when NODE_ENV=production (URLs in certificates never come from the Host header)');
  }
  if ((r.data.PDF_SIGNING_KEY_FILE === undefined) !== (r.data.PDF_SIGNING_CERT_FILE === undefined)) {
    const missing = r.data.PDF_SIGNING_KEY_FILE === undefined ? 'PDF_SIGNING_KEY_FILE' : 'PDF_SIGNING_CERT_FILE';
    throw new ConfigError(missing, `${missing}: PDF_SIGNING_KEY_FILE and PDF_SIGNING_CERT_FILE are set together (or neither: a key is generated into DATA_DIR)`);
  }
  return r.data;
}
