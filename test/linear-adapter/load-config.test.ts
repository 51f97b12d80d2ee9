import { buildClosurePolicy, loadConfig, type Config } from '../../linear-adapter/config/load-config';
import { isDoneState } from '../../src/core';

describe('loadConfig', () => {
  it('starts with defaults when nothing is configured', () => {
    expect(loadConfig({})).toEqual({
      ok: true,
      value: {
        PORT: 3000,
        HOST: '127.0.0.1',
        SCOPEKEEPER_DATA_DIR: './data',
        LINEAR_API_URL: 'https://api.linear.app/graphql',
        SCOPEKEEPER_MODE: 'shadow',
        SCOPEKEEPER_APPROVERS: [],
        SCOPEKEEPER_DONE_STATE_TYPES: ['completed'],
        SCOPEKEEPER_REQUIRE_ALL_MET: false,
        SCOPEKEEPER_FORBID_SELF_SIGNOFF: true,
        SCOPEKEEPER_WEBHOOK_WINDOW_SECONDS: 60,
        SCOPEKEEPER_MAX_BODY_BYTES: 1024 * 1024,
        LOG_LEVEL: 'info',
        // Below Linear's 2,500 requests an hour for an API key; every call bounded; degraded after 2 minutes.
        LINEAR_REQUESTS_PER_HOUR: 2000,
        LINEAR_TIMEOUT_MS: 10_000,
        SCOPEKEEPER_DEGRADED_AFTER_SECONDS: 120,
      },
    });
  });

  it('treats an empty variable as unset', () => {
    const result = loadConfig({ PORT: '', DATABASE_URL: '' });
    expect(result.ok && result.value.PORT).toBe(3000);
    expect(result.ok && result.value.DATABASE_URL).toBeUndefined();
  });

  it('names the variable and what it expects when a value is bad', () => {
    const result = loadConfig({ PORT: '99999', DATABASE_URL: 'mysql://x' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      expect.stringMatching(/^PORT: .*65535/),
      expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ connection URL/),
    ]);
  });

  it('rejects a port that is not a number', () => {
    const result = loadConfig({ PORT: 'eighty' });
    expect(result.ok ? [] : result.errors).toEqual([expect.stringMatching(/^PORT: /)]);
  });

  it('runs in shadow mode when LINEAR_API_KEY is absent and in enforce mode when it is set', () => {
    const withoutKey = loadConfig({});
    expect(withoutKey.ok && withoutKey.value.SCOPEKEEPER_MODE).toBe('shadow');
    const withKey = loadConfig({ LINEAR_API_KEY: 'lin_api_123' });
    expect(withKey.ok && withKey.value.SCOPEKEEPER_MODE).toBe('enforce');
    const shadowWithKey = loadConfig({ LINEAR_API_KEY: 'lin_api_123', SCOPEKEEPER_MODE: 'shadow' });
    expect(shadowWithKey.ok && shadowWithKey.value.SCOPEKEEPER_MODE).toBe('shadow');
  });

  it('refuses enforce mode without LINEAR_API_KEY and says why', () => {
    expect(loadConfig({ SCOPEKEEPER_MODE: 'enforce' })).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^SCOPEKEEPER_MODE: enforce needs LINEAR_API_KEY/)],
    });
  });

  it('reads approvers and done state types as comma-separated lists and the policy switches as true/false', () => {
    const result = loadConfig({
      SCOPEKEEPER_APPROVERS: ' anna@example.com, 2f9c1a40-user ,, ',
      SCOPEKEEPER_DONE_STATE_TYPES: 'Completed, canceled',
      SCOPEKEEPER_REQUIRE_ALL_MET: 'TRUE',
      SCOPEKEEPER_FORBID_SELF_SIGNOFF: 'false',
      SCOPEKEEPER_WEBHOOK_WINDOW_SECONDS: '120',
      SCOPEKEEPER_MAX_BODY_BYTES: '2048',
      LINEAR_API_URL: 'http://127.0.0.1:4000/graphql',
      LINEAR_WEBHOOK_SECRET: 'lin_wh_abc',
    });
    expect(result).toMatchObject({
      ok: true,
      value: {
        SCOPEKEEPER_APPROVERS: ['anna@example.com', '2f9c1a40-user'],
        SCOPEKEEPER_DONE_STATE_TYPES: ['completed', 'canceled'],
        SCOPEKEEPER_REQUIRE_ALL_MET: true,
        SCOPEKEEPER_FORBID_SELF_SIGNOFF: false,
        SCOPEKEEPER_WEBHOOK_WINDOW_SECONDS: 120,
        SCOPEKEEPER_MAX_BODY_BYTES: 2048,
        LINEAR_API_URL: 'http://127.0.0.1:4000/graphql',
        LINEAR_WEBHOOK_SECRET: 'lin_wh_abc',
      },
    });
  });

  it('names each bad policy setting and what it expects', () => {
    const result = loadConfig({
      SCOPEKEEPER_MODE: 'strict',
      SCOPEKEEPER_DONE_STATE_TYPES: 'done',
      SCOPEKEEPER_REQUIRE_ALL_MET: 'yes',
      SCOPEKEEPER_WEBHOOK_WINDOW_SECONDS: '0',
      LINEAR_API_URL: 'ftp://linear.example',
      LOG_LEVEL: 'loud',
    });
    expect(result.ok ? [] : result.errors).toEqual([
      'LINEAR_API_URL: must be an http:// or https:// URL',
      'SCOPEKEEPER_MODE: must be enforce or shadow',
      expect.stringMatching(/^SCOPEKEEPER_DONE_STATE_TYPES\.0: "done" is not a Linear workflow state type; use triage, .*completed/),
      'SCOPEKEEPER_REQUIRE_ALL_MET: must be true or false',
      expect.stringMatching(/^SCOPEKEEPER_WEBHOOK_WINDOW_SECONDS: /),
      expect.stringMatching(/^LOG_LEVEL: must be one of .*info/),
    ]);
  });
});

describe('buildClosurePolicy', () => {
  const configWith = (env: Record<string, string>): Config => {
    const result = loadConfig(env);
    if (!result.ok) throw new Error(result.errors.join('; '));
    return result.value;
  };

  it('carries the approvers, the done state types and both policy options into the closure policy', () => {
    expect(
      buildClosurePolicy(
        configWith({
          SCOPEKEEPER_APPROVERS: 'anna@example.com,u-ravi',
          SCOPEKEEPER_DONE_STATE_TYPES: 'completed,canceled',
          SCOPEKEEPER_REQUIRE_ALL_MET: 'true',
          SCOPEKEEPER_FORBID_SELF_SIGNOFF: 'true',
        }),
      ),
    ).toEqual({
      requireAllMet: true,
      forbidSelfSignOff: true,
      approverUserIds: ['anna@example.com', 'u-ravi'],
      approverRoles: [],
      doneStateNames: [],
      doneStateTypes: ['completed', 'canceled'],
    });
  });

  it('counts a Linear state as done by its type only, so a renamed or misnamed state is judged by what it is', () => {
    const policy = buildClosurePolicy(configWith({}));
    expect(isDoneState(policy, { name: 'Shipped', type: 'completed' })).toBe(true);
    expect(isDoneState(policy, { name: 'Done', type: 'started' })).toBe(false);
    expect(isDoneState(policy, { name: 'Canceled', type: 'canceled' })).toBe(false);
    expect(isDoneState(buildClosurePolicy(configWith({ SCOPEKEEPER_DONE_STATE_TYPES: 'completed,canceled' })), { name: 'Canceled', type: 'canceled' })).toBe(true);
  });
});
