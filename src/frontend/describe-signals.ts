import type { ProjectOverview } from '../forge/resolvers/resolver-contract';

export type SignalTone = 'ok' | 'warning' | 'danger' | 'neutral';

export interface SignalLine {
  label: string;
  /** The signal in a sentence a delivery manager can act on. */
  value: string;
  tone: SignalTone;
}

/** Drift at or past this share of the baseline's criteria is shown as a danger, not a warning. */
export const HIGH_DRIFT_SHARE = 0.25;
const MAX_KEYS_LISTED = 10;

/** The early-warning signals of a project, each with a plain-words label and sentence. */
export function describeSignals(signals: ProjectOverview['signals']): SignalLine[] {
  const { driftShare, undocumentedChanges, withoutCriteria, staleSignOffs, bypasses, signOffCoverage } = signals;
  return [
    driftShare === null
      ? { label: 'Scope drift', value: 'No baseline yet, so there is nothing to drift from.', tone: 'neutral' }
      : {
          label: 'Scope drift',
          value: `${formatPercent(driftShare)} of the baseline's criteria were changed, added or removed since the baseline.`,
          tone: driftShare === 0 ? 'ok' : driftShare >= HIGH_DRIFT_SHARE ? 'danger' : 'warning',
        },
    {
      label: 'Undocumented scope changes',
      value:
        undocumentedChanges === 0
          ? 'Every scope change has a reason.'
          : `${count(undocumentedChanges, 'scope change was', 'scope changes were')} made without a reason.`,
      tone: undocumentedChanges === 0 ? 'ok' : 'warning',
    },
    {
      label: 'Deliverables without criteria',
      value:
        withoutCriteria.length === 0
          ? 'Every deliverable has acceptance criteria.'
          : `${count(withoutCriteria.length, 'deliverable has', 'deliverables have')} no acceptance criteria and cannot be closed: ${listKeys(withoutCriteria)}.`,
      tone: withoutCriteria.length === 0 ? 'ok' : 'danger',
    },
    {
      label: 'Stale sign-offs',
      value:
        staleSignOffs.length === 0
          ? 'No sign-off has gone stale.'
          : `${count(staleSignOffs.length, 'sign-off no longer counts', 'sign-offs no longer count')} because the criteria changed after ${
              staleSignOffs.length === 1 ? 'it was' : 'they were'
            } given: ${listKeys(staleSignOffs)}.`,
      tone: staleSignOffs.length === 0 ? 'ok' : 'warning',
    },
    {
      label: 'Closure bypasses',
      value:
        bypasses === 0
          ? 'No deliverable reached done without a valid sign-off.'
          : `${count(bypasses, 'deliverable', 'deliverables')} reached done without a valid sign-off.`,
      tone: bypasses === 0 ? 'ok' : 'danger',
    },
    signOffCoverage.total === 0
      ? { label: 'Sign-off coverage', value: 'There are no deliverables yet.', tone: 'neutral' }
      : {
          label: 'Sign-off coverage',
          value: `${signOffCoverage.covered} of ${count(signOffCoverage.total, 'deliverable has', 'deliverables have')} a valid sign-off${
            signOffCoverage.share === null ? '' : ` (${formatPercent(signOffCoverage.share)})`
          }.`,
          tone: signOffCoverage.covered === signOffCoverage.total ? 'ok' : 'warning',
        },
  ];
}

export function formatPercent(share: number): string {
  const percent = share * 100;
  // A small drift must not read as 0%.
  return `${percent > 0 && percent < 1 ? percent.toFixed(1) : Math.round(percent)}%`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, MAX_KEYS_LISTED).join(', ');
  return keys.length > MAX_KEYS_LISTED ? `${shown} and ${keys.length - MAX_KEYS_LISTED} more` : shown;
}
