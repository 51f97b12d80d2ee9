import { isDoneState } from '../../src/core/is-done-state';
import { closurePolicySchema } from '../../src/core/schemas';

const defaults = closurePolicySchema.parse({});

describe('isDoneState — which states count as done', () => {
  it('counts "Done" as done by name, ignoring case and surrounding spaces', () => {
    expect(isDoneState(defaults, { name: '  done ' })).toBe(true);
  });

  it('counts a Jira status in the "done" status category as done whatever it is called', () => {
    expect(isDoneState(defaults, { name: 'Accepted by client', categoryKey: 'done' })).toBe(true);
  });

  it('counts a Linear state of type "completed" as done whatever it is called', () => {
    expect(isDoneState(defaults, { name: 'Shipped', type: 'completed' })).toBe(true);
  });

  it('does not count work in progress or cancelled work as done', () => {
    expect(isDoneState(defaults, { name: 'In Progress', categoryKey: 'indeterminate' })).toBe(false);
    expect(isDoneState(defaults, { name: 'Canceled', type: 'canceled' })).toBe(false);
    expect(isDoneState(defaults, { name: 'Review', type: null, categoryKey: null })).toBe(false);
  });

  it('uses the scope\'s own list of done state names', () => {
    const policy = closurePolicySchema.parse({ doneStateNames: ['Accepted', 'Released'], doneStateTypes: [] });
    expect(isDoneState(policy, { name: 'released' })).toBe(true);
    expect(isDoneState(policy, { name: 'Done', categoryKey: 'done' })).toBe(false);
  });

  it('never matches a blank state name', () => {
    const policy = { doneStateNames: ['Done'], doneStateTypes: ['done'] };
    expect(isDoneState(policy, { name: '   ', type: '  ' })).toBe(false);
  });
});
