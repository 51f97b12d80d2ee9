/** A fixed number of slots: `take` resolves once one is free, oldest caller first. */
export interface Slots {
  /** Resolves with the function that gives the slot back (call it exactly once, in a finally). */
  take(): Promise<() => void>;
}

/**
 * Bounds how many of something run at once. Used for the PostgreSQL store's long reads: each
 * holds a pooled connection for as long as its reader takes, so without a bound, readers that
 * query the store between pages (every export does) could hold every connection and wait on
 * each other for good.
 */
export function createSlots(count: number): Slots {
  let free = count;
  const waiting: (() => void)[] = [];
  const giveBack = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free += 1;
  };
  return {
    take() {
      return new Promise((resolve) => {
        let given = false;
        const grant = () =>
          resolve(() => {
            if (given) return;
            given = true;
            giveBack();
          });
        if (free > 0) {
          free -= 1;
          grant();
        } else waiting.push(grant);
      });
    },
  };
}
