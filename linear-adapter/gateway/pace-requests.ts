// A request budget per API key, kept below Linear's: API keys may make 2,500 requests an hour,
// refilled as a leaky bucket at the limit per hour (https://linear.app/developers/rate-limiting,
// "API request limits"; docs/platform-rules.md). The gateway takes a token before every call,
// so the outbox and reconcile are paced by the same budget and never run into Linear's limit.

export interface RequestPacerOptions {
  /** Requests an hour; the bucket holds as many, so a quiet service can burst up to it. */
  perHour: number;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  /** Waits; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestPacer {
  /** Resolves when a request may go; waits while the budget is spent. */
  take(): Promise<void>;
  /** Tokens left now (for /healthz). */
  remaining(): number;
}

const HOUR_MS = 3_600_000;

export function createRequestPacer(options: RequestPacerOptions): RequestPacer {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.()));
  const capacity = Math.max(1, options.perHour);
  const msPerToken = HOUR_MS / capacity;
  let tokens = capacity;
  let updatedAt = now();
  // Takers queue up, so waiting callers go in order and each waits for its own token.
  let tail: Promise<void> = Promise.resolve();

  function refill(): void {
    const at = now();
    tokens = Math.min(capacity, tokens + (at - updatedAt) / msPerToken);
    updatedAt = at;
  }

  return {
    take() {
      const turn = tail.then(async () => {
        refill();
        while (tokens < 1) {
          await sleep(Math.ceil((1 - tokens) * msPerToken));
          refill();
        }
        tokens -= 1;
      });
      tail = turn;
      return turn;
    },
    remaining() {
      refill();
      return Math.floor(tokens);
    },
  };
}
