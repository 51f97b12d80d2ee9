import { diffScope, listCriteria } from '../../src/core/diff-scope';
import type { Criterion, DeliverableSnapshot } from '../../src/core/schemas';

const crit = (...texts: string[]): Criterion[] => texts.map((text) => ({ id: null, text, met: false }));
const deliverable = (id: string, ...texts: string[]): DeliverableSnapshot => ({ id, key: `ENG-${id}`, title: `Issue ${id}`, criteria: crit(...texts) });

describe('diffScope', () => {
  it('finds no scope change when nothing changed', () => {
    const scope = [deliverable('1', 'Login works'), deliverable('2', 'Logout works')];
    expect(diffScope(scope, structuredClone(scope))).toEqual([]);
  });

  it('does not count met flags or titles as scope', () => {
    const before = [deliverable('1', 'Login works')];
    const after = [{ ...deliverable('1', 'Login works'), title: 'Renamed', criteria: [{ id: null, text: 'Login works', met: true }] }];
    expect(diffScope(before, after)).toEqual([]);
  });

  it('records a deliverable added with its criteria rendered as after', () => {
    const changes = diffScope([], [deliverable('9', 'Export works', 'Import works')]);
    expect(changes).toEqual([
      expect.objectContaining({ kind: 'deliverable_added', deliverableId: '9', deliverableKey: 'ENG-9', before: null, after: '1. Export works\n2. Import works' }),
    ]);
  });

  it('records a deliverable removed with its criteria rendered as before', () => {
    const changes = diffScope([deliverable('9', 'Export works')], []);
    expect(changes).toEqual([expect.objectContaining({ kind: 'deliverable_removed', deliverableKey: 'ENG-9', before: '1. Export works', after: null })]);
  });

  it('records criterion added, removed and modified with positions and a word diff', () => {
    const before = [deliverable('1', 'Report shows totals per month', 'Report can be printed')];
    const after = [deliverable('1', 'Report shows totals per week', 'Report is emailed every Monday')];
    const changes = diffScope(before, after);
    expect(changes.map((c) => c.kind)).toEqual(['criterion_modified', 'criterion_added', 'criterion_removed']);
    expect(changes[0]).toMatchObject({ before: 'Report shows totals per month', after: 'Report shows totals per week', fromIndex: 0, toIndex: 0, replaced: false });
    expect(changes[0]!.diff?.filter((p) => p.added || p.removed).map((p) => p.value)).toEqual(['month', 'week']);
    expect(changes[1]).toMatchObject({ after: 'Report is emailed every Monday', before: null, fromIndex: null, toIndex: 1 });
    expect(changes[2]).toMatchObject({ before: 'Report can be printed', after: null, fromIndex: 1, toIndex: null });
  });

  it('records a reorder as one criterion moved', () => {
    const changes = diffScope([deliverable('1', 'A works', 'B works', 'C works')], [deliverable('1', 'C works', 'A works', 'B works')]);
    expect(changes).toEqual([expect.objectContaining({ kind: 'criterion_moved', before: 'C works', after: 'C works', fromIndex: 2, toIndex: 0, diff: null })]);
  });

  it('records a criterion both reworded and reordered as a modification and a move', () => {
    const changes = diffScope([deliverable('1', 'A works', 'B works', 'C works fine')], [deliverable('1', 'C works fine today', 'A works', 'B works')]);
    expect(changes.map((c) => [c.kind, c.fromIndex, c.toIndex])).toEqual([
      ['criterion_modified', 2, 0],
      ['criterion_moved', 2, 0],
    ]);
  });

  it('keeps Jira criterion ids on the changes', () => {
    const before: DeliverableSnapshot[] = [{ id: '10001', key: 'PROJ-1', title: '', criteria: [{ id: 'ac-1', text: 'Old wording', met: false }] }];
    const after: DeliverableSnapshot[] = [{ id: '10001', key: 'PROJ-1', title: '', criteria: [{ id: 'ac-1', text: 'Completely different', met: false }] }];
    expect(diffScope(before, after)).toEqual([expect.objectContaining({ kind: 'criterion_modified', criterionId: 'ac-1', deliverableKey: 'PROJ-1' })]);
  });

  it('orders changes by deliverable order in next, then removed deliverables', () => {
    const previous = [deliverable('1', 'One'), deliverable('2', 'Two'), deliverable('3', 'Three')];
    const next = [deliverable('4', 'Four'), deliverable('3', 'Three', 'Three more'), deliverable('1', 'One')];
    expect(diffScope(previous, next).map((c) => `${c.kind}:${c.deliverableId}`)).toEqual([
      'deliverable_added:4',
      'criterion_added:3',
      'deliverable_removed:2',
    ]);
  });

  it('reports a huge rewritten criterion as replaced instead of a diff', () => {
    const huge = 'word '.repeat(10_000);
    const before: DeliverableSnapshot[] = [{ id: '1', key: 'PROJ-1', title: '', criteria: [{ id: 'ac', text: huge, met: false }] }];
    const after: DeliverableSnapshot[] = [{ id: '1', key: 'PROJ-1', title: '', criteria: [{ id: 'ac', text: `${huge} more`, met: false }] }];
    expect(diffScope(before, after)).toEqual([expect.objectContaining({ kind: 'criterion_modified', diff: null, replaced: true })]);
  });
});

describe('listCriteria', () => {
  it('numbers criteria and collapses their whitespace', () => {
    expect(listCriteria(crit('Given  a cart', 'Then\nit is saved'))).toBe('1. Given a cart\n2. Then it is saved');
  });
});
