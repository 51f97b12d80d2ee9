import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { hostname } from 'node:os';
import { z } from 'zod';
import { parseWith } from '../core/parse-with';

// One writer per PGlite data directory (docs/adr/0009-replays-identity-tamper-evidence.md).
// PGlite runs the database inside the process and takes no lock of its own: two processes on one
// directory both start and overwrite each other's files, and acknowledged deliveries vanish.
// So whoever opens the directory first creates `<dir>.lock` exclusively (O_EXCL), with its pid,
// host and start time; a second opener is refused while that process lives. A lock left by a
// process that died (kill -9, a crash) is taken over at once: its pid no longer runs on this host.
// Not a library: the maintained ones (proper-lockfile) judge staleness by an mtime refreshed on
// a timer, so a restart after kill -9 would be refused for up to their stale period, and a busy
// event loop (PGlite works on it) could miss a refresh and lose the lock while running.

export const LOCK_SUFFIX = '.lock';

const lockOwnerSchema = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  startedAt: z.string(),
  command: z.string(),
});
export type LockOwner = z.infer<typeof lockOwnerSchema>;

/** A lock file this young that cannot be read may be one being written right now. */
const UNREADABLE_GRACE_MS = 5_000;

/** Another live process holds the directory. Its message says who and what to do. */
export class DataDirectoryInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | null,
  ) {
    const who = owner ? `another Scopekeeper process (pid ${owner.pid}, "${owner.command}", started ${owner.startedAt})` : 'another Scopekeeper process';
    super(
      `The data directory ${dataDir} is in use by ${who}. The embedded database (PGlite) allows one process at a time, ` +
        'and a second one would lose data. Stop that process first and run this again, or set DATABASE_URL to a ' +
        `PostgreSQL database, which several processes can share. If no such process runs, delete ${dataDir}${LOCK_SUFFIX}.`,
    );
    this.name = 'DataDirectoryInUseError';
  }
}

export interface DirectoryLock {
  /** Removes the lock file if it is still this process's. */
  release(): Promise<void>;
}

/** Takes the data directory for this process, or throws DataDirectoryInUseError. */
export async function lockDataDirectory(dataDir: string, command = describeCommand()): Promise<DirectoryLock> {
  const file = `${dataDir}${LOCK_SUFFIX}`;
  const me: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), command };
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (await tryCreate(file, me)) return { release: () => releaseIfMine(file, me) };
    const held = await readOwner(file);
    if (held.kind === 'gone') continue;
    if (held.kind === 'unreadable' && held.ageMs < UNREADABLE_GRACE_MS) throw new DataDirectoryInUseError(dataDir, null);
    if (held.kind === 'owner' && isAlive(held.owner)) throw new DataDirectoryInUseError(dataDir, held.owner);
    // Stale: its process is gone. Removing it and creating ours again keeps O_EXCL as the judge.
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  throw new DataDirectoryInUseError(dataDir, null);
}

async function tryCreate(file: string, me: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(me)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

type Held = { kind: 'owner'; owner: LockOwner } | { kind: 'unreadable'; ageMs: number } | { kind: 'gone' };

async function readOwner(file: string): Promise<Held> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let value: unknown = null;
    try {
      value = JSON.parse(text);
    } catch {
      // Half written, or not ours: judged by its age below.
    }
    const owner = parseWith(lockOwnerSchema, value);
    return owner.ok ? { kind: 'owner', owner: owner.value } : { kind: 'unreadable', ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
}

/** Only a process on this host can be checked; one elsewhere (a shared disk) is taken as alive. */
function isAlive(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return true;
  // Our own pid in a lock we did not just take: a previous run in this container got the same pid.
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseIfMine(file: string, me: LockOwner): Promise<void> {
  const held = await readOwner(file);
  if (held.kind === 'owner' && held.owner.pid === me.pid && held.owner.startedAt === me.startedAt) await unlink(file).catch(() => undefined);
}

function describeCommand(): string {
  return process.argv.slice(1).map((arg) => arg.split('/').slice(-2).join('/')).join(' ').slice(0, 200);
}
