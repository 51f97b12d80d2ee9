// The one retry delay used by every retry loop (the Linear outbox and inbox, the Forge KVS
// store's compare-and-swap). Pure: the random draw is passed in, so tests pin it.

export interface BackoffInput {
  /** The attempt that just failed, from 1. */
  attempt: number;
  /** Random draw in [0, 1). */
  random: number;
  /** Ceiling of the first wait. */
  baseMs: number;
  /** Longest wait, however many attempts failed. */
  maxMs: number;
  /**
   * `equal` (default) waits between half the ceiling and the ceiling, so a retry is never
   * immediate; `full` waits anywhere from 0 to the ceiling, which spreads contending writers best.
   */
  jitter?: 'equal' | 'full';
}

/** Exponential backoff: the ceiling doubles per attempt from `baseMs` up to `maxMs`, jittered. */
export function computeBackoffMs(input: BackoffInput): number {
  const attempt = Number.isFinite(input.attempt) ? Math.max(1, Math.floor(input.attempt)) : 1;
  const random = Math.min(1, Math.max(0, Number.isFinite(input.random) ? input.random : 1));
  // 2 ** 1024 is Infinity, and Math.min takes care of it; no overflow to guard against.
  const ceiling = Math.max(0, Math.min(input.maxMs, input.baseMs * 2 ** (attempt - 1)));
  const floor = input.jitter === 'full' ? 0 : ceiling / 2;
  return Math.round(floor + random * (ceiling - floor));
}
