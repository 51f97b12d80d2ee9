import type { CallResult } from '../gateway/linear-gateway';

// Whether Linear answered recently, as every gateway call saw it, for /healthz and /metrics,
// and the moment it answers again after an outage (the outbox then sends what waited at once).

export const LINEAR_STATUSES = ['ok', 'rate_limited', 'unreachable', 'failing', 'unknown', 'not_configured'] as const;
/**
 * ok: the last call got an answer; rate_limited: Linear answered with a rate limit and asked to
 * wait (until `rateLimitedUntil`); unreachable: no answer (network, timeout); failing: a 5xx;
 * unknown: no call yet; not_configured: no API key (shadow mode), nothing is ever sent.
 */
export type LinearStatus = (typeof LINEAR_STATUSES)[number];

export interface LinearHealthSnapshot {
  status: LinearStatus;
  /** The API key's user has been read: until then nothing is processed or sent. */
  viewerKnown: boolean;
  lastAnswerAt: string | null;
  /** Since when the status has been what it is. */
  since: string | null;
  lastError: string | null;
  /** While rate_limited: when Linear said requests may go again. */
  rateLimitedUntil: string | null;
}

export interface LinearHealth {
  observe(call: CallResult): void;
  setViewerKnown(): void;
  snapshot(): LinearHealthSnapshot;
  /** Called when Linear answers after calls that got none. */
  onRecovered(listener: () => void): void;
}

export function trackLinearHealth(options: { configured: boolean; now?: () => number }): LinearHealth {
  const now = options.now ?? Date.now;
  let status: LinearStatus = options.configured ? 'unknown' : 'not_configured';
  let since: number | null = null;
  let lastAnswerAt: number | null = null;
  let lastError: string | null = null;
  let viewerKnown = false;
  let rateLimitedUntil = 0;
  const listeners: (() => void)[] = [];

  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const become = (next: LinearStatus): void => {
    if (next !== status) {
      status = next;
      since = now();
    }
  };

  return {
    observe(call) {
      if (call.answered) {
        const recovered = status === 'unreachable' || status === 'failing';
        lastAnswerAt = now();
        if (call.rateLimitedUntil !== undefined) {
          rateLimitedUntil = Math.max(rateLimitedUntil, call.rateLimitedUntil);
          lastError = `rate limited until ${new Date(rateLimitedUntil).toISOString()}`;
          become('rate_limited');
        } else become('ok');
        if (recovered) for (const listener of listeners) listener();
        return;
      }
      lastError = call.error;
      become(call.kind);
    },
    setViewerKnown() {
      viewerKnown = true;
    },
    snapshot: () => {
      // A wait that ran out with nothing sent since is over: nothing says Linear still limits.
      if (status === 'rate_limited' && now() >= rateLimitedUntil) become('ok');
      return { status, viewerKnown, lastAnswerAt: iso(lastAnswerAt), since: iso(since), lastError, rateLimitedUntil: status === 'rate_limited' ? iso(rateLimitedUntil) : null };
    },
    onRecovered(listener) {
      listeners.push(listener);
    },
  };
}
