import { chainHistory } from '../../src/core/chain-history';
import { createBaseline, type CreateBaselineInput } from '../../src/core/create-baseline';
import { historyDraftSchema, type Baseline, type DeliverableSnapshot } from '../../src/core/schemas';

const po = { id: 'u-po', name: 'Priya (PO)', email: null };
const scope = (): DeliverableSnapshot[] => [
  { id: '1', key: 'ENG-1', title: 'Login', criteria: [{ id: null, text: 'User can log in', met: false }, { id: null, text: 'User can log out', met: true }] },
  { id: '2', key: 'ENG-2', title: 'Export', criteria: [] },
];
const input = (over: Partial<CreateBaselineInput> = {}): CreateBaselineInput => ({
  id: 'bl-1', scopeId: 'team-eng', name: 'SRS v1.0', now: '2025-03-01T10:00:00.000Z', approvedBy: po, deliverables: scope(), current: null, ...over,
});
const created = (over: Partial<CreateBaselineInput> = {}) => {
  const result = createBaseline(input(over));
  if (!result.ok) throw new Error(result.message);
  return result.value;
};

describe('createBaseline', () => {
  it('takes a named snapshot of the scope with who approved it and when', () => {
    const { baseline } = created();
    expect(baseline).toEqual({ id: 'bl-1', scopeId: 'team-eng', name: 'SRS v1.0', major: 1, createdAt: '2025-03-01T10:00:00.000Z', approvedBy: po, deliverables: scope() });
  });

  it('drafts a valid baseline_created record with deliverable and criterion counts', () => {
    const { draft } = created();
    expect(draft).toEqual({
      id: 'bl-1', scopeId: 'team-eng', at: '2025-03-01T10:00:00.000Z', actor: po, deliverableId: null, kind: 'baseline_created',
      data: { baselineId: 'bl-1', name: 'SRS v1.0', deliverableCount: 2, criterionCount: 2 },
    });
    expect(historyDraftSchema.safeParse(draft).success).toBe(true);
  });

  it('uses a separate history record id when one is given', () => {
    expect(created({ historyId: 'rec-7' }).draft.id).toBe('rec-7');
  });

  it('keeps the baseline immutable when the caller later edits its own data', () => {
    const deliverables = scope();
    const { baseline } = created({ deliverables });
    deliverables[0]!.criteria[0]!.text = 'Edited afterwards';
    deliverables.pop();
    expect(baseline.deliverables).toHaveLength(2);
    expect(baseline.deliverables[0]!.criteria[0]!.text).toBe('User can log in');
    expect(() => { (baseline.deliverables[0]!.criteria as unknown[]).push({}); }).toThrow();
    expect(Object.isFrozen(baseline.deliverables[0]!.criteria[0])).toBe(true);
  });

  it('starts scope version 1.0 for the first baseline', () => {
    const [record] = chainHistory(null, [created().draft]);
    expect(record!.scopeVersion).toBe('1.0');
  });

  it('makes re-baselining the next major version, superseding the current baseline', () => {
    const first = created();
    const second = created({ id: 'bl-2', name: 'SRS v2.0', current: first.baseline, now: '2025-04-01T10:00:00.000Z' });
    expect(second.baseline.major).toBe(2);
    const records = chainHistory(null, [first.draft, second.draft]);
    expect(records.map((r) => r.scopeVersion)).toEqual(['1.0', '2.0']);
  });

  it('refuses an empty name', () => {
    expect(createBaseline(input({ name: '   ' }))).toMatchObject({ ok: false, code: 'EMPTY_NAME' });
  });

  it('refuses the name of the active baseline, ignoring case and spacing', () => {
    const current: Baseline = created().baseline;
    const result = createBaseline(input({ id: 'bl-2', name: ' srs  V1.0 ', current }));
    expect(result).toMatchObject({ ok: false, code: 'DUPLICATE_NAME' });
    expect(!result.ok && result.message).toContain('for example "SRS v1.1"');
  });

  it('refuses the name of an earlier baseline too and suggests the next name no baseline had', () => {
    const current: Baseline = created({ name: 'SRS v1.2' }).baseline;
    const result = createBaseline(input({ id: 'bl-3', name: 'srs v1.1', current, takenNames: ['SRS v1.1', 'SRS v1.2'] }));
    expect(result).toMatchObject({ ok: false, code: 'DUPLICATE_NAME' });
    expect(!result.ok && result.message).toBe('An earlier baseline of this scope was already called "SRS v1.1". Choose a new name for the new baseline, for example "SRS v1.3".');
  });

  it('trims the name it stores', () => {
    expect(created({ name: '  SRS   v1.0 ' }).baseline.name).toBe('SRS v1.0');
  });
});
