import { loadConfig } from '../../linear-adapter/load-config';

describe('loadConfig', () => {
  it('starts with defaults when nothing is configured', () => {
    expect(loadConfig({})).toEqual({
      ok: true,
      value: { PORT: 3000, HOST: '127.0.0.1', SCOPEKEEPER_DATA_DIR: './data' },
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
});
