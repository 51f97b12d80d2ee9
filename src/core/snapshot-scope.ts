import type { DeliverableSnapshot, DeliverableState } from './schemas';

/**
 * A scope's deliverables as a baseline keeps them: those in scope, ordered by key as people
 * read keys (ENG-2 before ENG-10), then by id. One order on every platform, so two baselines of
 * the same scope list the same deliverables the same way, whichever adapter took them.
 */
export function snapshotScope(deliverables: readonly DeliverableState[], scopeId: string): DeliverableSnapshot[] {
  return deliverables
    .filter((d) => d.inScope && d.scopeId === scopeId)
    .map((d) => ({ id: d.id, key: d.key, title: d.title, criteria: d.criteria }))
    .sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
