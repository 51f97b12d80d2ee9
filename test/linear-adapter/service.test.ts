import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Runs the service exactly as `npm start` does, as a separate process: node with tsx's loader
// (not the tsx CLI, whose parent process turned a SIGTERM into exit 143 when the service took
// longer than 30 ms to acknowledge it, as on a loaded machine).
const root = path.resolve(__dirname, '../..');

// Every service started here; afterEach kills any still running, so a failed expectation never
// leaves a service behind that keeps Jest from exiting.
const started: ChildProcess[] = [];

function startService(env: Record<string, string>): { child: ChildProcess; output: () => string; listening: Promise<string> } {
  const child = spawn(process.execPath, ['--require', './bin/exit-on-early-signal.cjs', '--import', 'tsx', 'linear-adapter/service/main.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`service exited with ${code}: ${out}`)));
  });
  return { child, output: () => out, listening };
}

const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

describe('the service started by npm start', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), 'scopekeeper-service-'))));
  afterEach(async () => {
    for (const child of started.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = exitOf(child);
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers GET /healthz with the database ok when started with no configuration but a data directory', async () => {
    const service = startService({ PORT: '0', SCOPEKEEPER_DATA_DIR: dataDir, DATABASE_URL: '', LINEAR_WEBHOOK_SECRET: '', LINEAR_API_KEY: '', SCOPEKEEPER_MODE: '' });
    const url = await service.listening;
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      mode: 'shadow',
      database: 'ok',
      // No API key: nothing is ever sent, so Linear's reachability does not count.
      linear: { status: 'not_configured', viewerKnown: false, lastAnswerAt: null, since: null, lastError: null, rateLimitedUntil: null },
      inbox: { backlog: 0, oldestPendingSeconds: 0, failed: 0 },
      outbox: { backlog: 0, oldestPendingSeconds: 0, failed: 0, latestFailures: [] },
    });
    // First start without LINEAR_WEBHOOK_SECRET: a secret is generated and printed with the steps for Linear.
    expect(service.output()).toMatch(/Scopekeeper generated a webhook signing secret for Linear:\s+[0-9a-f]{64}/);
    expect(service.output()).toContain('Settings → API → Webhooks');

    // On loopback the console's sign-in link is printed, and it signs in.
    const link = /^ {4}(http:\/\/\S+\/sign-in\?token=[0-9a-f]{64})$/m.exec(service.output())?.[1];
    expect(link).toBeDefined();
    const signIn = await fetch(link!, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const page = await fetch(`${url}/`, { headers: { cookie: (signIn.headers.get('set-cookie') ?? '').split(';')[0]! } });
    expect(await page.text()).toContain('No Linear team has anything recorded yet');

    const exited = exitOf(service.child);
    service.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(service.output()).toContain('"msg":"shutting down"');
  });

  it('exits 0, leaving the data directory usable, when stopped at any point of start-up', async () => {
    const env = { PORT: '0', SCOPEKEEPER_DATA_DIR: dataDir, DATABASE_URL: '', LINEAR_WEBHOOK_SECRET: 'a-secret-for-this-test', LINEAR_API_KEY: '', SCOPEKEEPER_MODE: '' };
    // While the store opens (its first log line), and just after it listens. (A signal while the
    // modules load is handled by bin/exit-on-early-signal.cjs, exit 0 as well.)
    const points: ((output: () => string, listening: Promise<string>) => Promise<void>)[] = [
      async (output) => {
        while (!output().includes('"msg":"scopekeeper starting: opening the store"')) await new Promise((resolve) => setTimeout(resolve, 5));
      },
      async (_output, listening) => void (await listening),
    ];
    const codes: (number | null)[] = [];
    for (const point of points) {
      const service = startService(env);
      service.listening.catch(() => undefined);
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => service.child.on('exit', (code, signal) => resolve({ code, signal })));
      await point(service.output, service.listening);
      service.child.kill('SIGTERM');
      const { code, signal } = await exited;
      codes.push(code ?? (signal === null ? null : 128 + 15));
    }
    expect(codes).toEqual([0, 0]);
    // Nothing was left locked or half open: the next start works.
    const next = startService(env);
    await next.listening;
    const exited = exitOf(next.child);
    next.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses to start and names the variable when a setting is bad', async () => {
    const service = startService({ PORT: 'eighty', SCOPEKEEPER_DATA_DIR: dataDir });
    await expect(service.listening).rejects.toThrow(/exited with 2/);
    expect(service.output()).toMatch(/PORT: /);
  });
});
