import { explainScopeVersion } from '../../src/core/explain-scope-version';

describe('explainScopeVersion', () => {
  it('says nothing when the name carries the scope version', () => {
    expect(explainScopeVersion('SRS v1.0', '1.0')).toBeNull();
    expect(explainScopeVersion('SRS 2.0 (signed)', '2.0')).toBeNull();
  });

  it('explains in plain words why a name’s own number differs from the scope version', () => {
    expect(explainScopeVersion('SRS v1.1', '2.0')).toBe(
      "Scope version 2.0 is Scopekeeper's own count, not read from the name: this is baseline 2 of the scope, so it starts version 2.0, and each scope change after it adds .1 (2.1, 2.2, …).",
    );
  });

  it('does not take a longer number containing the version for it', () => {
    expect(explainScopeVersion('SRS v12.0', '2.0')).not.toBeNull();
    expect(explainScopeVersion('SRS v2.01', '2.0')).not.toBeNull();
    expect(explainScopeVersion('Q3 2026', '1.0')).not.toBeNull();
  });
});
