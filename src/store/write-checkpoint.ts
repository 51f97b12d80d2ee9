import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { z } from 'zod';
import { parseWith } from '../core/parse-with';
import type { SqlStore } from './sql-store';

// Signed checkpoints of every scope's history head, written outside the database by the service
// (docs/adr/0009-replays-identity-tamper-evidence.md). Deleting the newest records and moving
// `history_heads` back leaves a chain that verifies on its own; the newest checkpoint still
// names the record that was there, so `scopekeeper verify` sees the truncation. The files are
// small JSON: an operator can copy them elsewhere (a key in the data directory signs them, so
// one edited together with the database does not verify).

export const CHECKPOINT_DIR = 'checkpoints';
export const CHECKPOINT_KEY_FILE = 'checkpoint.key';
/** Checkpoints kept in the data directory; older ones are the operator's to keep elsewhere. */
const KEEP = 100;

const checkpointSchema = z.object({
  at: z.string(),
  heads: z.record(z.string(), z.object({ seq: z.number().int().nonnegative(), hash: z.string() })),
  hmac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export type CheckpointReading = { ok: true; value: Checkpoint | null; file: string | null } | { ok: false; errors: string[] };

/** Writes a checkpoint of every scope's head (when they changed since the newest one); answers its file or null. */
export async function writeCheckpoint(store: SqlStore, dataDir: string, now: string): Promise<string | null> {
  const { rows } = await sql<{ scope_id: string; seq: number; hash: string }>`select scope_id, seq, hash from history_heads order by scope_id`.execute(store.database);
  const heads = Object.fromEntries(rows.map((row) => [row.scope_id, { seq: row.seq, hash: row.hash }]));
  const newest = await readNewestCheckpoint(dataDir);
  if (newest.ok && newest.value && JSON.stringify(newest.value.heads) === JSON.stringify(heads)) return null;
  const key = await readOrCreateKey(dataDir);
  const body = { at: now, heads };
  const checkpoint: Checkpoint = { ...body, hmac: sign(body, key) };
  const dir = path.join(dataDir, CHECKPOINT_DIR);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `checkpoint-${now.replace(/[:.]/g, '-')}.json`);
  // Written whole or not at all: a crash mid-write never leaves a half checkpoint as the newest.
  await writeFile(`${file}.tmp`, `${JSON.stringify(checkpoint, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  await prune(dir);
  return file;
}

/** The newest checkpoint, its signature checked; null when there is none yet. */
export async function readNewestCheckpoint(dataDir: string): Promise<CheckpointReading> {
  const dir = path.join(dataDir, CHECKPOINT_DIR);
  const names = await listCheckpoints(dir);
  const name = names.at(-1);
  if (!name) return { ok: true, value: null, file: null };
  const file = path.join(dir, name);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { ok: false, errors: [`${file}: not readable JSON (${(error as Error).message})`] };
  }
  const parsed = parseWith(checkpointSchema, value);
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map((e) => `${file}: ${e}`) };
  const key = await readKey(dataDir);
  if (!key) return { ok: false, errors: [`${path.join(dataDir, CHECKPOINT_KEY_FILE)}: missing, so ${file} cannot be checked`] };
  const { hmac, ...body } = parsed.value;
  const expected = Buffer.from(sign(body, key), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(hmac, 'hex'))) return { ok: false, errors: [`${file}: its signature does not match: the file was edited`] };
  return { ok: true, value: parsed.value, file };
}

function sign(body: Omit<Checkpoint, 'hmac'>, key: Buffer): string {
  return createHmac('sha256', key).update(JSON.stringify(body)).digest('hex');
}

async function listCheckpoints(dir: string): Promise<string[]> {
  try {
    // ISO times in the names sort in time order.
    return (await readdir(dir)).filter((name) => /^checkpoint-.*\.json$/.test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function prune(dir: string): Promise<void> {
  const names = await listCheckpoints(dir);
  for (const name of names.slice(0, Math.max(0, names.length - KEEP))) await unlink(path.join(dir, name));
}

async function readKey(dataDir: string): Promise<Buffer | null> {
  try {
    return Buffer.from((await readFile(path.join(dataDir, CHECKPOINT_KEY_FILE), 'utf8')).trim(), 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function readOrCreateKey(dataDir: string): Promise<Buffer> {
  const existing = await readKey(dataDir);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx': two writers never overwrite each other's key.
  await writeFile(path.join(dataDir, CHECKPOINT_KEY_FILE), `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await readKey(dataDir)) as Buffer;
}
