import { cacheScopeSettings } from '../../linear-adapter/decide/cache-scope-settings';
import type { StoredScopeSettings } from '../../src/core/store';

// The settings the deliveries of a team are decided with: read once a while, never kept past a
// write in this process, and a failed read is never kept in place of the settings.

describe('cacheScopeSettings', () => {
  const SCOPE = 'linear:team-eng';
  const stored = (version: number): StoredScopeSettings => ({ version, settings: { approvers: [`lead-${version}@client.example`] } });

  function setUp() {
    let clock = 0;
    let version = 1;
    const reads: string[] = [];
    let fail: Error | null = null;
    let gate: Promise<void> | null = null;
    const cache = cacheScopeSettings(
      async (scopeId) => {
        reads.push(scopeId);
        const answer = stored(version);
        if (gate) await gate;
        if (fail) throw fail;
        return answer;
      },
      { ttlMs: 5_000, now: () => clock },
    );
    return {
      cache,
      reads,
      tick: (ms: number) => (clock += ms),
      write: () => (version += 1),
      failWith: (error: Error | null) => (fail = error),
      holdReads: (until: Promise<void> | null) => (gate = until),
    };
  }

  it('answers from one store read until the copy is as old as the bound, then reads again', async () => {
    const t = setUp();
    expect((await t.cache.read(SCOPE))?.version).toBe(1);
    t.tick(4_999);
    t.write();
    expect((await t.cache.read(SCOPE))?.version).toBe(1);
    t.tick(1);
    expect((await t.cache.read(SCOPE))?.version).toBe(2);
    expect(t.reads).toHaveLength(2);
  });

  it('reads again at once after forget, as after the console saved the settings', async () => {
    const t = setUp();
    await t.cache.read(SCOPE);
    t.write();
    t.cache.forget(SCOPE);
    expect((await t.cache.read(SCOPE))?.version).toBe(2);
  });

  it('does not keep what a read that started before a write found', async () => {
    const t = setUp();
    let release!: () => void;
    t.holdReads(new Promise<void>((resolve) => (release = resolve)));
    const early = t.cache.read(SCOPE);
    t.write();
    t.cache.forget(SCOPE);
    release();
    expect((await early)?.version).toBe(1);
    t.holdReads(null);
    expect((await t.cache.read(SCOPE))?.version).toBe(2);
  });

  it('throws a failed read and keeps nothing, so the next delivery asks the store again', async () => {
    const t = setUp();
    t.failWith(new Error('connection refused'));
    await expect(t.cache.read(SCOPE)).rejects.toThrow('connection refused');
    t.failWith(null);
    expect((await t.cache.read(SCOPE))?.version).toBe(1);
    expect(t.reads).toHaveLength(2);
  });
});
