import { computeSignals, type ScopeSignals } from '../../src/core/compute-signals';
import type { Baseline, ClosurePolicy, DeliverableState } from '../../src/core/schemas';
import type { ConsoleScopeStore, HistoryCounts, HistoryHead } from '../../src/core/store';
import type { ConsoleTeam } from './read-console-teams';
import { readTeamSettings, type TeamSettingsReading } from './read-team-settings';

export interface TeamSummary {
  team: ConsoleTeam;
  baseline: Baseline | null;
  head: HistoryHead | null;
  deliverables: DeliverableState[];
  /** The deliverable signals (drift, without criteria, stale, coverage), under the team's policy. */
  signals: ScopeSignals;
  counts: HistoryCounts;
  settings: TeamSettingsReading;
}

/**
 * Everything the overview and the team page show of a team, in a handful of queries: the history
 * is counted in SQL (countHistory), never read whole; the deliverable side is computeSignals over
 * the stored deliverables.
 */
export async function readTeamSummary(store: ConsoleScopeStore, team: ConsoleTeam, defaults: ClosurePolicy): Promise<TeamSummary> {
  const [baseline, head, stored, counts, settings] = await Promise.all([
    store.getActiveBaseline(team.scopeId),
    store.getHistoryHead(team.scopeId),
    store.listDeliverables(team.scopeId),
    store.countHistory(team.scopeId),
    readTeamSettings(store, team.scopeId, defaults),
  ]);
  const deliverables = stored.map((d) => d.state);
  // Unreadable settings: coverage is counted without signer rules (present and not stale).
  const signals = computeSignals({ baseline, deliverables, history: [], ...(settings.ok ? { policy: settings.policy } : {}) });
  return { team, baseline, head, deliverables, signals, counts, settings };
}

/** A share as a whole percentage, or a dash when there is nothing to divide by. */
export function formatShare(share: number | null): string {
  return share === null ? '–' : `${Math.round(share * 100)}%`;
}
