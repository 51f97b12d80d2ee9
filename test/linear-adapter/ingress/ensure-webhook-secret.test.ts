import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WEBHOOK_SECRET_FILE, describeWebhookSetup, ensureWebhookSecret } from '../../../linear-adapter/config/ensure-webhook-secret';

describe('ensureWebhookSecret', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'scopekeeper-secret-')), 'data');
  });

  afterEach(async () => {
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('generates a 32-byte hex secret on first start and keeps it in the data directory readable by its owner only', async () => {
    const first = await ensureWebhookSecret({ dataDir });
    expect(first).toEqual({ secret: expect.stringMatching(/^[0-9a-f]{64}$/), source: 'file', generated: true, file: path.join(dataDir, WEBHOOK_SECRET_FILE) });
    expect((await readFile(first.file!, 'utf8')).trim()).toBe(first.secret);
    expect((await stat(first.file!)).mode & 0o777).toBe(0o600);
  });

  it('reuses the stored secret on later starts without announcing it again', async () => {
    const first = await ensureWebhookSecret({ dataDir });
    const second = await ensureWebhookSecret({ dataDir });
    expect(second).toEqual({ ...first, generated: false });
  });

  it('uses LINEAR_WEBHOOK_SECRET when it is set and writes no file', async () => {
    expect(await ensureWebhookSecret({ configured: 'from-linear', dataDir })).toEqual({
      secret: 'from-linear',
      source: 'environment',
      generated: false,
      file: null,
    });
    await expect(stat(path.join(dataDir, WEBHOOK_SECRET_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to start on an empty secret file instead of verifying with an empty key', async () => {
    await ensureWebhookSecret({ dataDir });
    await writeFile(path.join(dataDir, WEBHOOK_SECRET_FILE), '\n');
    await expect(ensureWebhookSecret({ dataDir })).rejects.toThrow(/linear-webhook-secret is empty; delete it/);
  });
});

describe('describeWebhookSetup', () => {
  it("prints the secret with the steps to paste it into Linear's webhook settings", () => {
    const text = describeWebhookSetup({ secret: 'ab'.repeat(32), source: 'file', generated: true, file: '/srv/data/linear-webhook-secret' }, 'http://127.0.0.1:3000');
    expect(text).toContain('ab'.repeat(32));
    expect(text).toContain('Settings → API → Webhooks');
    expect(text).toContain('https://<your public host>/webhooks/linear');
    expect(text).toContain('Resource types: Issues and Comments');
    expect(text).toContain('/srv/data/linear-webhook-secret');
  });
});
