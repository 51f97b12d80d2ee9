import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { DataDirectoryInUseError } from '../../src/store/lock-data-directory';
import { openStore } from '../../src/store/open-store';
import { verifyStore } from '../../src/store/verify-store';
import type { SqlStore } from '../../src/store/sql-store';
import { createLinearGateway, LinearReadError, type LinearApiGateway } from '../gateway/linear-gateway';
import { buildClosurePolicy, loadConfig, type Config } from '../config/load-config';
import { openQueueStore, type SqlQueueStore } from '../queue/queue-store';
import { runBaselineCommand } from './run-baseline-command';
import { parseSince, runReconcileCommand, type ReconcileProgress, type ReconcileTeam } from './run-reconcile-command';
import { openBackfillProgress } from './backfill-progress';
import { createOutboxSender } from '../queue/send-outbox';
import { runDeliveriesCommand, type DeliveriesCommand } from './run-deliveries-command';
import { verifyBundleCommand } from './verify-bundle-command';

// `npx scopekeeper baseline|reconcile|deliveries`: the same configuration as the service (DATABASE_URL or
// the PGlite data directory, LINEAR_API_KEY, LINEAR_API_URL, policy settings).

export interface CliDeps {
  env?: Record<string, string | undefined>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** ISO time now. */
  now?: () => string;
  openStore?: (config: Config) => Promise<SqlStore>;
}

interface Session {
  config: Config;
  gateway: LinearApiGateway;
  store: SqlStore;
  now: string;
  out: (line: string) => void;
}

const EMBEDDED_NOTE =
  'With the embedded database (no DATABASE_URL), stop the service first: PGlite allows one process at a time, so while the service runs this command refuses and changes nothing.';

/** Runs the command line and answers the exit code: 0 done, 1 failed, 2 usage or configuration. */
export async function runCli(argv: readonly string[], deps: CliDeps = {}): Promise<number> {
  const env = deps.env ?? process.env;
  const stdout = deps.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = deps.stderr ?? ((text: string) => process.stderr.write(text));
  const out = (line: string) => stdout(`${line}\n`);
  const fail = (line: string) => stderr(`${line}\n`);
  let exitCode = 0;

  /** Checks the settings, opens Linear and the store, runs `work` and closes the store again. */
  const withSession = async (command: string, work: (session: Session) => Promise<number>): Promise<void> => {
    if (!env.LINEAR_API_KEY?.trim()) {
      fail(
        `scopekeeper ${command} reads issues from Linear, so it needs LINEAR_API_KEY. Create a personal API key in ` +
          'Linear (Settings > Account > Security & access > Personal API keys) and run it again with LINEAR_API_KEY=<key>.',
      );
      exitCode = 2;
      return;
    }
    const config = loadConfig(env);
    if (!config.ok) {
      fail(`scopekeeper ${command} cannot run; fix these settings:\n${config.errors.map((e) => `  ${e}`).join('\n')}`);
      exitCode = 2;
      return;
    }
    // Paced by the same request budget as the service (Linear allows an API key 2,500 requests an hour).
    const gateway = createLinearGateway({ apiKey: config.value.LINEAR_API_KEY!, apiUrl: config.value.LINEAR_API_URL, requestsPerHour: config.value.LINEAR_REQUESTS_PER_HOUR });
    let store: SqlStore;
    try {
      store = await (deps.openStore ?? openConfiguredStore)(config.value);
    } catch (error) {
      // The service (or another command) has the embedded database: refuse, never write beside it.
      if (!(error instanceof DataDirectoryInUseError)) throw error;
      fail(`scopekeeper ${command} did nothing: ${error.message}`);
      exitCode = 1;
      return;
    }
    try {
      exitCode = await work({ config: config.value, gateway, store, now: deps.now?.() ?? new Date().toISOString(), out });
    } catch (error) {
      if (!(error instanceof LinearReadError)) throw error;
      fail(`scopekeeper ${command} stopped: ${error.message}`);
      exitCode = 1;
    } finally {
      await store.close();
    }
  };

  const program = new Command('scopekeeper')
    .description('Acceptance criteria, scope versions and sign-off for Linear teams.')
    .exitOverride()
    .configureOutput({ writeOut: stdout, writeErr: stderr });

  program
    .command('baseline')
    .summary("record a team's scope as a named baseline")
    .description(`Reads every issue of a Linear team and records the team's scope as a named baseline (SRS). ${EMBEDDED_NOTE}`)
    .requiredOption('--team <key>', 'the team key, e.g. ENG')
    .requiredOption('--name <name>', 'the baseline name, e.g. "SRS v1.0"')
    .requiredOption('--approved-by <user>', "who approved this scope: their Linear email or user id (an approver of the team, or a workspace admin when it lists none)")
    .option('--include-canceled', 'keep canceled and duplicate issues in the baseline (left out by default)')
    .action((options: { team: string; name: string; approvedBy: string; includeCanceled?: boolean }) =>
      withSession('baseline', async ({ config, gateway, store, now }) => {
        const result = await runBaselineCommand({
          gateway,
          store,
          policy: buildClosurePolicy(config),
          teamKey: options.team,
          name: options.name,
          approvedBy: options.approvedBy,
          includeCanceled: options.includeCanceled === true,
          now,
          newId: randomUUID,
        });
        if (!result.ok) {
          fail(result.message);
          return 1;
        }
        const s = result.value;
        out(`Recorded baseline "${s.baseline.name}" for team ${s.teamKey} (${s.teamName}): scope version ${s.scopeVersion}.`);
        if (s.versionNote) out(`  ${s.versionNote}`);
        out(`  ${s.deliverableCount} deliverables, ${s.criterionCount} acceptance criteria, approved by ${s.baseline.approvedBy.name ?? s.baseline.approvedBy.id}.`);
        if (s.withoutCriteria.length > 0) {
          out(`  ${s.withoutCriteria.length} deliverables have no acceptance criteria yet: ${s.withoutCriteria.join(', ')}`);
        }
        if (s.skippedCanceled.length > 0) {
          out(`  Left out ${s.skippedCanceled.length} canceled or duplicate issues (--include-canceled keeps them): ${s.skippedCanceled.join(', ')}`);
        }
        if (!s.trace) return 0;
        if (config.SCOPEKEEPER_MODE === 'shadow') {
          out(`Shadow mode: the comment on ${s.trace.issueKey} that notes the baseline in Linear is not sent.`);
          return 0;
        }
        const queue = await openQueueStore(store);
        await queue.enqueueActions([s.trace.action], null, now);
        const sent = await sendQueued(queue, gateway, now);
        out(sent.sent > 0 ? `Noted the baseline in Linear with a comment on ${s.trace.issueKey}.` : sent.line);
        return sent.failed > 0 ? 1 : 0;
      }),
    );

  program
    .command('reconcile')
    .summary('apply what the webhooks missed since a time, or backfill every issue (--all)')
    .description(
      'Re-reads the issues updated since a time and records what the webhooks missed (criteria edits, closures without ' +
        'sign-off), then sends the resulting actions. With --all it reads every issue instead: the backfill after set-up, which ' +
        'gives issues that existed before Scopekeeper their status comment (and the label when they have no criteria). It is paced ' +
        'by LINEAR_REQUESTS_PER_HOUR, sends after each page, prints a line per page and, when stopped, resumes where it stopped. ' +
        EMBEDDED_NOTE,
    )
    .option('--since <time>', 'an ISO time, or a duration back from now: 90m, 24h, 7d, 2w')
    .option('--all', 'every issue, whenever it was updated (the backfill; resumes an interrupted run)')
    .option('--team <key...>', 'only these team keys (default: every team the API key can see)')
    .action((options: { since?: string; all?: boolean; team?: string[] }) =>
      withSession('reconcile', async ({ config, gateway, store, now }) => {
        if ((options.since === undefined) === (options.all !== true)) {
          fail('scopekeeper reconcile needs either --since <time> (what the webhooks missed lately) or --all (every issue, the backfill), not both.');
          return 2;
        }
        const since = options.since === undefined ? ({ ok: true, value: null } as const) : parseSince(options.since, now);
        if (!since.ok) {
          fail(since.message);
          return 2;
        }
        const teams: ReconcileTeam[] = [];
        if (options.team && options.team.length > 0) {
          for (const key of options.team) {
            const team = await gateway.findTeam(key);
            if (!team) {
              fail(`Linear has no team with the key "${key}" that this API key can see.`);
              return 1;
            }
            teams.push(team);
          }
        } else {
          teams.push(...(await gateway.listTeams()));
        }
        const mode = config.SCOPEKEEPER_MODE;
        const queue = await openQueueStore(store);
        const backfill = since.value === null ? openBackfillProgress(config.SCOPEKEEPER_DATA_DIR) : null;
        let failed = 0;
        const summaries = await runReconcileCommand({
          gateway,
          store,
          queue,
          teams,
          since: since.value,
          policy: buildClosurePolicy(config),
          mode,
          now,
          ...(backfill && {
            resumeFrom: async (key: string) => {
              const progress = await backfill.read(key);
              if (progress) out(`${key}: resuming the backfill after ${progress.summary.issuesRead} issues read before.`);
              return progress;
            },
            // Send each page's actions before moving on, so a stopped run leaves little unsent and
            // the sends share the request budget with the reads as they go.
            onPage: async (progress: ReconcileProgress) => {
              if (mode === 'enforce') failed += (await sendQueued(queue, gateway, now)).failed;
              await backfill.write(progress);
              const s = progress.summary;
              out(`${s.key}: ${s.issuesRead} issues read, ${s.deliverablesUpdated} updated, ${s.actionsQueued} actions queued${progress.after === null ? '; done.' : '…'}`);
            },
          }),
        });
        const window = since.value === null ? 'in all' : `updated since ${since.value}`;
        for (const s of summaries) {
          out(
            `${s.key}: read ${s.issuesRead} issues ${window}; updated ${s.deliverablesUpdated} deliverables, ` +
              `recorded ${s.scopeChanges} scope changes and ${s.closuresRecorded} closures, queued ${s.actionsQueued} actions` +
              (s.revertsRepaired > 0 ? ` (moving back ${s.revertsRepaired} refused closures whose revert never landed).` : '.'),
          );
        }
        if (mode === 'shadow') {
          out('Shadow mode: closures without sign-off were recorded, nothing is sent to Linear.');
          return 0;
        }
        const sent = await sendQueued(queue, gateway, now);
        out(sent.line);
        return sent.failed + failed > 0 ? 1 : 0;
      }),
    );

  // Dead letters need the database only, not Linear.
  const withQueue = (command: DeliveriesCommand) => async () => {
    const config = loadConfig(env);
    if (!config.ok) {
      fail(`scopekeeper deliveries cannot run; fix these settings:\n${config.errors.map((e) => `  ${e}`).join('\n')}`);
      exitCode = 2;
      return;
    }
    const store = await (deps.openStore ?? openConfiguredStore)(config.value);
    try {
      exitCode = await runDeliveriesCommand({ queue: await openQueueStore(store), command, now: deps.now?.() ?? new Date().toISOString(), out, fail });
    } finally {
      await store.close();
    }
  };
  const deliveries = program.command('deliveries').summary('list, retry or drop deliveries given up on').description(`Deliveries the service gave up on (dead letters). ${EMBEDDED_NOTE}`);
  deliveries.command('list').option('--limit <n>', 'how many to show, newest first', '50').action((o: { limit: string }) => withQueue({ name: 'list', limit: Math.max(1, Number(o.limit) || 50) })());
  deliveries.command('retry <id>').description('put a dead letter back in the inbox').action((id: string) => withQueue({ name: 'retry', deliveryId: id })());
  deliveries.command('drop <id>').description('give up on a dead letter for good (kept as dropped)').action((id: string) => withQueue({ name: 'drop', deliveryId: id })());
  program
    .command('verify [bundle]')
    .summary('check an evidence bundle, or the stored history, for tampering')
    .description(
      'With a bundle file: checks an evidence bundle exported from the console (every record, the chain to its stated head, ' +
        'the sign-offs and every byte), with no database and no network. Without one: checks every stored scope (the hash chain, ' +
        'the head, the columns derived from records, the sign-offs shown in deliverables, and the newest signed checkpoint in the ' +
        `data directory, which detects deleted newest records). Needs no API key. ${EMBEDDED_NOTE}`,
    )
    .action(async (file: string | undefined) => {
      if (file !== undefined) {
        exitCode = await verifyBundleCommand(file, out, fail);
        return;
      }
      const config = loadConfig({ ...env, LINEAR_API_KEY: undefined, SCOPEKEEPER_MODE: undefined });
      if (!config.ok) {
        fail(`scopekeeper verify cannot run; fix these settings:\n${config.errors.map((e) => `  ${e}`).join('\n')}`);
        exitCode = 2;
        return;
      }
      let store: SqlStore;
      try {
        store = await (deps.openStore ?? openConfiguredStore)(config.value);
      } catch (error) {
        if (!(error instanceof DataDirectoryInUseError)) throw error;
        fail(`scopekeeper verify did nothing: ${error.message}`);
        exitCode = 1;
        return;
      }
      try {
        const report = await verifyStore(store, config.value.SCOPEKEEPER_DATA_DIR);
        const against = report.checkpoint ? `against checkpoint ${report.checkpoint}` : 'no checkpoint written yet, so deleted newest records cannot be detected';
        if (report.problems.length === 0) {
          out(`Verified ${report.records} history records in ${report.scopes} scopes (${against}): no tampering found.`);
        } else {
          fail(`Found ${report.problems.length} problems in ${report.records} history records of ${report.scopes} scopes (${against}):`);
          for (const problem of report.problems) fail(`  ${problem.code}: ${problem.message}`);
          exitCode = 1;
        }
      } finally {
        await store.close();
      }
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return exitCode;
}

/**
 * Sends what the outbox holds now rather than leave it to the service (which may be stopped, see
 * the note above). A send that fails stays in the outbox and the service retries it with backoff.
 */
async function sendQueued(queue: SqlQueueStore, gateway: LinearApiGateway, now: string): Promise<{ sent: number; failed: number; line: string }> {
  const sender = createOutboxSender({ queue, gateway, mode: 'enforce', log: () => undefined });
  const total = { sent: 0, retried: 0, failed: 0 };
  for (let round = 0; round < 1000; round += 1) {
    const drained = await sender.drainOnce(now);
    total.sent += drained.sent;
    total.retried += drained.retried;
    total.failed += drained.failed;
    if (drained.claimed === 0) break;
  }
  const line = `Sent ${total.sent} actions to Linear${total.retried ? `; ${total.retried} will be retried by the service` : ''}${total.failed ? `; ${total.failed} failed (see /healthz)` : ''}.`;
  return { sent: total.sent, failed: total.failed, line };
}

function openConfiguredStore(config: Config): Promise<SqlStore> {
  return openStore(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: path.resolve(config.SCOPEKEEPER_DATA_DIR, 'pglite') });
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`scopekeeper failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
