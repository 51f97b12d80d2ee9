import { z } from 'zod';
import { parseWith, type ParseResult } from '../src/core/parse-with';

// Only what the service needs today; the Linear adapter issue adds its webhook and API settings.
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection URL')
    .optional(),
  SCOPEKEEPER_DATA_DIR: z.string().min(1).default('./data'),
});

export type Config = z.infer<typeof configSchema>;

/** Reads configuration from the environment; every problem names the variable and what it expects. */
export function loadConfig(env: Record<string, string | undefined>): ParseResult<Config> {
  // An empty variable means "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return parseWith(configSchema, cleaned);
}
