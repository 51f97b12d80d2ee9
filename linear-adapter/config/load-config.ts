import { z } from 'zod';
import { parseWith, type ParseResult } from '../../src/core/parse-with';
import { closurePolicySchema, SERVICE_MODES, type ClosurePolicy } from '../../src/core/schemas';

export const DEFAULT_LINEAR_API_URL = 'https://api.linear.app/graphql';
export const LINEAR_STATE_TYPES = ['triage', 'backlog', 'unstarted', 'started', 'completed', 'canceled', 'duplicate'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type { ServiceMode } from '../../src/core/schemas';

/** "a, b,,c" -> ["a", "b", "c"]: blanks around commas and empty entries are dropped. */
function splitList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((text) => text === 'true' || text === 'false', 'must be true or false')
  .transform((text) => text === 'true');

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection URL')
      .optional(),
    SCOPEKEEPER_DATA_DIR: z.string().min(1).default('./data'),
    LINEAR_WEBHOOK_SECRET: z.string().trim().min(1).optional(),
    LINEAR_API_KEY: z.string().trim().min(1).optional(),
    LINEAR_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).default(DEFAULT_LINEAR_API_URL),
    SCOPEKEEPER_MODE: z.enum(SERVICE_MODES, 'must be enforce or shadow').optional(),
    SCOPEKEEPER_APPROVERS: z.string().transform(splitList).default([]),
    SCOPEKEEPER_DONE_STATE_TYPES: z
      .string()
      .transform(splitList)
      .pipe(
        z
          .array(
            z
              .string()
              .toLowerCase()
              .pipe(
                z.enum(LINEAR_STATE_TYPES, {
                  error: (issue) => `${JSON.stringify(issue.input)} is not a Linear workflow state type; use ${LINEAR_STATE_TYPES.join(', ')}`,
                }),
              ),
          )
          .min(1, 'must name at least one Linear workflow state type'),
      )
      .default(['completed']),
    SCOPEKEEPER_REQUIRE_ALL_MET: booleanText.default(false),
    // Safe by default: the assignee signing off their own work does not count unless turned off.
    SCOPEKEEPER_FORBID_SELF_SIGNOFF: booleanText.default(true),
    SCOPEKEEPER_WEBHOOK_WINDOW_SECONDS: positiveInt(86_400).default(60),
    SCOPEKEEPER_MAX_BODY_BYTES: positiveInt(64 * 1024 * 1024).default(1024 * 1024),
    LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`).default('info'),
    // Reliability (docs/adr/0008-keyed-worker-retry-health.md).
    /** Requests an hour the service allows itself on its API key (Linear allows 2,500); 0 turns the pacing off. */
    LINEAR_REQUESTS_PER_HOUR: z.coerce.number().int().min(0).max(1_000_000).default(2_000),
    /** How long one call to Linear may take before it is abandoned and retried. */
    LINEAR_TIMEOUT_MS: positiveInt(600_000).default(10_000),
    /** Seconds an action may wait in the outbox before /healthz says degraded. */
    SCOPEKEEPER_DEGRADED_AFTER_SECONDS: positiveInt(86_400).default(120),
    /** Names this instance's claims; default host:port. Two instances on one database need different ids. */
    SCOPEKEEPER_INSTANCE_ID: z.string().trim().min(1).max(200).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.SCOPEKEEPER_MODE === 'enforce' && !config.LINEAR_API_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['SCOPEKEEPER_MODE'],
        message: 'enforce needs LINEAR_API_KEY to act on Linear; set the key, or use shadow to decide and log without acting',
      });
    }
  })
  // Without an API key nothing can be sent, so the safe default is to watch, not act.
  .transform((config) => ({ ...config, SCOPEKEEPER_MODE: config.SCOPEKEEPER_MODE ?? (config.LINEAR_API_KEY ? 'enforce' : 'shadow') }) as const);

export type Config = z.infer<typeof configSchema>;

/** Reads configuration from the environment; every problem names the variable and what it expects. */
export function loadConfig(env: Record<string, string | undefined>): ParseResult<Config> {
  // An empty variable means "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return parseWith(configSchema, cleaned);
}

/**
 * The core's closure policy from configuration. Done is decided by Linear's state type only
 * (no state names): types survive a team renaming "Done" to "Shipped".
 */
export function buildClosurePolicy(config: Config): ClosurePolicy {
  return closurePolicySchema.parse({
    requireAllMet: config.SCOPEKEEPER_REQUIRE_ALL_MET,
    forbidSelfSignOff: config.SCOPEKEEPER_FORBID_SELF_SIGNOFF,
    approverUserIds: config.SCOPEKEEPER_APPROVERS,
    approverRoles: [],
    doneStateNames: [],
    doneStateTypes: config.SCOPEKEEPER_DONE_STATE_TYPES,
  });
}
