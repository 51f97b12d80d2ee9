import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataDirectoryInUseError, lockDataDirectory } from '../../src/store/lock-data-directory';

// One writer per PGlite data directory, with real processes: a second `npm start` and the CLI
// (README step 3, `npx scopekeeper baseline` while the service runs) are refused, say what to do
// and exit non-zero; a lock left by a killed service does not stop the next start.

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
/** Each test starts the service (tsx and PGlite) up to three times; on a busy machine that is slow. */
const START_TIMEOUT_MS = 90_000;

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string>): Run {
  const child = spawn(tsx, args, { cwd: root, env: { ...process.env, DATABASE_URL: '', LINEAR_API_KEY: '', SCOPEKEEPER_MODE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return { child, output: () => out, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

async function startService(dataDir: string): Promise<Run & { url: string }> {
  const service = run(['linear-adapter/service/main.ts'], { PORT: '0', SCOPEKEEPER_DATA_DIR: dataDir, LINEAR_WEBHOOK_SECRET: 'lock-test-secret' });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(service.output());
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 25);
    void service.exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`service exited with ${code}: ${service.output()}`));
    });
  });
  return { ...service, url };
}

describe('one process per PGlite data directory', () => {
  let dataDir: string;
  const running: ChildProcess[] = [];
  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), 'scopekeeper-lock-'))));
  afterEach(async () => {
    // tsx runs the script in a child of its own, so a failed test kills the whole process group:
    // a service left running would hold its pipes open and keep Jest from exiting.
    for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second npm start and the baseline command while the service runs, saying what to do, and changes nothing', async () => {
    const service = await startService(dataDir);
    running.push(service.child);

    const second = run(['linear-adapter/service/main.ts'], { PORT: '0', SCOPEKEEPER_DATA_DIR: dataDir, LINEAR_WEBHOOK_SECRET: 'lock-test-secret' });
    running.push(second.child);
    expect(await second.exited).toBe(1);
    const owner = JSON.parse(readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')) as { pid: number };
    expect(second.output()).toContain(`is in use by another Scopekeeper process (pid ${owner.pid}`);
    expect(second.output()).toMatch(/Stop that process first.*or set DATABASE_URL/s);

    // LINEAR_API_URL points nowhere: the refusal comes before anything is read from Linear.
    const cli = run(['bin/scopekeeper.js', 'baseline', '--team', 'ENG', '--name', 'SRS v1.0', '--approved-by', 'ana@client.example'], {
      SCOPEKEEPER_DATA_DIR: dataDir, LINEAR_API_KEY: 'lin_api_unused', LINEAR_API_URL: 'http://127.0.0.1:9/graphql',
    });
    running.push(cli.child);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain('scopekeeper baseline did nothing: The data directory');
    expect(cli.output()).not.toContain('Recorded baseline');

    // The first service is unharmed.
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
  }, START_TIMEOUT_MS * 2);

  it('starts at once after the previous service was killed with SIGKILL and left its lock behind', async () => {
    const first = await startService(dataDir);
    running.push(first.child);
    // The service's own process (tsx runs it as a child of the process spawned here).
    const { pid } = JSON.parse(readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    await first.exited;
    expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(true);

    const next = await startService(dataDir);
    running.push(next.child);
    expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
    next.child.kill('SIGTERM');
    await next.exited;
  }, START_TIMEOUT_MS * 2);

  it('refuses a second lock in the same process tree while the first is held, and grants it once released', async () => {
    const dir = path.join(dataDir, 'pglite');
    const lock = await lockDataDirectory(dir, 'test');
    // Written by this process, so it is alive: a second opener (the CLI, a second store) is refused.
    const spawned = run(['-e', `require('./src/store/lock-data-directory').lockDataDirectory(${JSON.stringify(dir)}).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`], {});
    running.push(spawned.child);
    expect(await spawned.exited).toBe(3);
    expect(spawned.output()).toContain(`pid ${process.pid}`);
    await lock.release();
    const again = await lockDataDirectory(dir, 'test');
    await again.release();
    expect(DataDirectoryInUseError.name).toBe('DataDirectoryInUseError');
  });
});
