import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseWith } from '../../src/core/parse-with';
import type { ReconcileProgress } from './run-reconcile-command';

// Where `scopekeeper reconcile --all` got to, per team, in the data directory: a run that is
// stopped (Ctrl-C, a crash, Linear away) resumes after the last page it finished. Redoing a
// page is harmless (reconcile is idempotent); the file only saves re-reading what was done.

const progressSchema = z.object({
  after: z.string().min(1),
  summary: z.object({
    key: z.string(),
    issuesRead: z.number().int().min(0),
    deliverablesUpdated: z.number().int().min(0),
    scopeChanges: z.number().int().min(0),
    closuresRecorded: z.number().int().min(0),
    actionsQueued: z.number().int().min(0),
    revertsRepaired: z.number().int().min(0),
  }),
});

export interface BackfillProgress {
  /** Where the team's backfill stopped; null when it has not started or finished. */
  read(teamKey: string): Promise<ReconcileProgress | null>;
  /** Remembers a finished page; a finished team (`after` null) is forgotten. */
  write(progress: ReconcileProgress): Promise<void>;
}

export function openBackfillProgress(dataDir: string): BackfillProgress {
  const dir = path.resolve(dataDir, 'backfill');
  const fileOf = (teamKey: string) => path.join(dir, `${teamKey.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}.json`);
  return {
    async read(teamKey) {
      let text: string;
      try {
        text = await readFile(fileOf(teamKey), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new Error(`${fileOf(teamKey)} is not JSON (${(error as Error).message}); delete it to start team ${teamKey}'s backfill from the beginning`, { cause: error });
      }
      const parsed = parseWith(progressSchema, json);
      if (!parsed.ok) throw new Error(`${fileOf(teamKey)} cannot be read (${parsed.errors.join('; ')}); delete it to start team ${teamKey}'s backfill from the beginning`);
      return parsed.value;
    },
    async write(progress) {
      const file = fileOf(progress.summary.key);
      if (progress.after === null) {
        await rm(file, { force: true });
        return;
      }
      await mkdir(dir, { recursive: true });
      // Written beside and renamed: a run stopped mid-write never leaves half a file.
      await writeFile(`${file}.tmp`, JSON.stringify(progress));
      await rename(`${file}.tmp`, file);
    },
  };
}
