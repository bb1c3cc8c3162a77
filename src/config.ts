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
  MAX_BATCH_ENTRIES: z.coerce.number().int().min(1).max(100_000).default(20_000),
  /** Most entries waiting for a batch before deposits are answered 503 overloaded. */
  MAX_QUEUE_ENTRIES: z.coerce.number().int().min(1).default(200_000),
  LOG_LEVEL: z.enum(['silent', 'error', 'info']).default('info'),
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
