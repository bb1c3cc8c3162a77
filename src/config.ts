/** The environment, validated once at start-up. */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./store'),
  LOG_ORIGIN: z
    .string()
    .regex(/^[^\s+]+$/, 'an origin has no spaces and no "+"')
    .default('localhost/copyright-ledger'),
  LOG_KEY_FILE: z.string().min(1).optional(),
  ADMIN_API_KEY: z.string().min(16, 'ADMIN_API_KEY must be at least 16 characters').optional(),
  PUBLIC_URL: z.string().url().optional(),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
  KEEP_UPLOADS: bool.default(true),
  /** Most entries in one sequencer batch. */
  MAX_BATCH_ENTRIES: z.coerce.number().int().min(10_000, 'at least 10,000: a full POST /v1/deposits/batch must fit one block').max(100_000).default(20_000),
  /** Most entries waiting for a batch before deposits are answered 503 overloaded. */
  MAX_QUEUE_ENTRIES: z.coerce.number().int().min(1).default(200_000),
  LOG_LEVEL: z.enum(['silent', 'error', 'info']).default('info'),
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
  /** Test-only (refused unless NODE_ENV=test): `N` or `N:after-write` stops the N-th commit for good, announcing it on stdout (src/adapters/commit-halt.ts). */
  TEST_HALT_AT_COMMIT: z
    .string()
    .regex(/^[1-9][0-9]{0,8}(:after-write)?$/, 'N or N:after-write, N >= 1')
    .transform((v) => ({ n: Number(v.split(':')[0]), afterWrite: v.endsWith(':after-write') }))
    .optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parses `env`. MUST throw with every problem named when the environment is invalid. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid environment:\n${lines}`);
  }
  return r.data;
}
