import { RatelimitedLinearError } from '@linear/sdk';

// One "Linear says wait until T" for every caller of a gateway. Linear answers a spent budget
// with RATELIMITED and says when to come back: `retry-after` in seconds, and the
// `X-RateLimit-Requests-Reset` / `X-RateLimit-Complexity-Reset` headers in UTC epoch
// milliseconds (https://linear.app/developers/rate-limiting, "Handling rate limit errors" and
// "API request limits"; docs/platform-rules.md). Without a shared wait, each waiting action
// retried on its own clock, and their retries spent the budget that the drain then lacked
// (BENCHMARKS.md "Reliability: outages and crashes": 10 of 50 still waiting 5 minutes later).
//
// While the wait is on, a request is refused here at once, as Linear would refuse it, so no
// request and no request-budget token is spent, and the caller reschedules for T without
// spending an attempt. After T, the first request alone goes (a probe); the others wait for its
// answer, then all go (paced by the request budget) — or, if Linear is still limiting, are
// refused until the new T.

/** A request not sent because Linear asked to wait: the SDK's rate-limit error, so every caller treats it as one. */
export class RateLimitHoldError extends RatelimitedLinearError {
  constructor(readonly until: number, waitMs: number) {
    super({ message: `Linear asked to wait until ${new Date(until).toISOString()}; not sent before then` }, []);
    this.name = 'RateLimitHoldError';
    this.retryAfter = waitMs / 1000;
  }
}

export interface RateLimitGate {
  /** Runs `send` unless a wait is on (then throws RateLimitHoldError); after a wait, one at a time until Linear answers. */
  run<T>(send: () => Promise<T>): Promise<T>;
  /** Throws RateLimitHoldError if a wait began meanwhile (a request that waited for a request-budget token). */
  check(): void;
  /** Linear refused with a rate limit and said to wait until `until` (epoch ms). */
  hold(until: number): void;
  /** Until when requests are held; null when none is. */
  heldUntil(): number | null;
}

export function createRateLimitGate(options: { now: () => number }): RateLimitGate {
  const { now } = options;
  let until = 0;
  // Since the last wait no request has been answered without a rate limit: send one at a time.
  let probing = false;
  let probe: Promise<unknown> | null = null;

  function check(): void {
    const left = until - now();
    if (left > 0) throw new RateLimitHoldError(until, left);
  }

  return {
    async run(send) {
      check();
      while (probing && probe) {
        // Not a swallow: the probe's own caller gets its error; here only its end matters.
        await probe.catch(() => undefined);
        check();
      }
      if (!probing) return send();
      const sending = send();
      probe = sending;
      try {
        const answer = await sending;
        probing = false;
        return answer;
      } catch (error) {
        // Any answer but another rate limit (which called hold) lets the others go again.
        if (until <= now()) probing = false;
        throw error;
      } finally {
        probe = null;
      }
    },
    check,
    hold(at) {
      until = Math.max(until, at);
      probing = true;
    },
    heldUntil: () => (until > now() ? until : null),
  };
}
