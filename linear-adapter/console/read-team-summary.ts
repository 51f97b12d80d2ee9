import { computeSignals, type ScopeSignals } from '../../src/core/compute-signals';
import type { Baseline, ClosurePolicy, DeliverableState } from '../../src/core/schemas';
import type { ConsoleScopeStore, HistoryCounts, HistoryHead, ScopeTrendDay } from '../../src/core/store';
import type { ConsoleTeam } from './read-console-teams';
import { readTeamSettings, type TeamSettingsReading } from './read-team-settings';

export interface TeamSummary {
  team: ConsoleTeam;
  baseline: Baseline | null;
  /** Every baseline of the team, oldest first. */
  baselines: Baseline[];
  head: HistoryHead | null;
  deliverables: DeliverableState[];
  /** The deliverable signals (drift, without criteria, stale, coverage), under the team's policy. */
  signals: ScopeSignals;
  counts: HistoryCounts;
  /** Scope version and undocumented changes, day by day, over the last TREND_DAYS days with records. */
  trend: ScopeTrendDay[];
  settings: TeamSettingsReading;
}

/** Summaries computed earlier, by scope id, each with the stamp it was computed at. */
export const TREND_DAYS = 30;

export type TeamSummaryMemo = Map<string, { stamp: string; summary: Omit<TeamSummary, 'team'> }>;

/**
 * Everything the overview and the team page show of a team. The history is counted in SQL
 * (countHistory), never read whole; the deliverable side is computeSignals over the stored
 * deliverables. Reading and checking 5,000 deliverables and a 5,000-deliverable baseline costs
 * far more than a page view may, so with a memo the work is done again only when the scope's
 * stamp (readScopeStamp) or its settings changed: every view still asks the database, so
 * several service instances on one PostgreSQL stay correct.
 */
export async function readTeamSummary(store: ConsoleScopeStore, team: ConsoleTeam, defaults: ClosurePolicy, memo?: TeamSummaryMemo): Promise<TeamSummary> {
  const [stamp, settings] = await Promise.all([store.readScopeStamp(team.scopeId), readTeamSettings(store, team.scopeId, defaults)]);
  const key = `${stamp}|${settings.ok ? 'ok' : 'unreadable'}:${settings.version ?? 'environment'}`;
  const kept = memo?.get(team.scopeId);
  if (kept && kept.stamp === key) return { team, ...kept.summary, settings };
  const [baselines, head, stored, counts, trend] = await Promise.all([
    store.listBaselines(team.scopeId),
    store.getHistoryHead(team.scopeId),
    store.listDeliverables(team.scopeId),
    store.countHistory(team.scopeId),
    store.readScopeTrend(team.scopeId, TREND_DAYS),
  ]);
  const baseline = baselines[baselines.length - 1] ?? null;
  const deliverables = stored.map((d) => d.state);
  // Unreadable settings: coverage is counted without signer rules (present and not stale).
  const signals = computeSignals({ baseline, deliverables, history: [], ...(settings.ok ? { policy: settings.policy } : {}) });
  const summary = { baseline, baselines, head, deliverables, signals, counts, trend, settings };
  // Read before the stamp moved again? Then the next view's stamp differs and reads afresh.
  memo?.set(team.scopeId, { stamp: key, summary });
  return { team, ...summary };
}

/** A share as a whole percentage, or a dash when there is nothing to divide by. */
export function formatShare(share: number | null): string {
  return share === null ? '–' : `${Math.round(share * 100)}%`;
}
