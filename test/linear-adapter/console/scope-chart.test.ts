import { closurePolicySchema } from '../../../src/core/schemas';
import { openStore } from '../../../src/store/open-store';
import type { SqlStore } from '../../../src/store/sql-store';
import { readConsoleTeams } from '../../../linear-adapter/console/read-console-teams';
import { readTeamSummary, type TeamSummaryMemo } from '../../../linear-adapter/console/read-team-summary';
import { renderOverviewPage } from '../../../linear-adapter/console/render-overview-page';
import { renderScopeChart } from '../../../linear-adapter/console/render-scope-chart';
import { ENG, seedConsoleTeams } from '../../support/seed-console-teams';

// The overview's chart of scope version and drift, drawn from a seeded history: ENG was
// baselined on 2 November (1.0), signed off on the 3rd, and changed without a reason on the
// 4th (1.1) and the 5th (1.2).

const TOKEN_IDENTITY = { kind: 'token', actor: { id: 'op', name: 'Op', email: null } } as const;

describe('scope version and drift chart', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await seedConsoleTeams(store);
  });
  afterAll(() => store.close());

  const overview = async (memo?: TeamSummaryMemo) => {
    const teams = await readConsoleTeams(store, TOKEN_IDENTITY);
    return renderOverviewPage(await Promise.all(teams.map((t) => readTeamSummary(store, t, closurePolicySchema.parse({}), memo)))).text;
  };

  it('draws one point a day with records and a bar for each day of undocumented changes, with the numbers as a table', async () => {
    const text = await overview();
    const chart = text.slice(text.indexOf('<figure class="trend">'), text.indexOf('</figure>'));
    expect(chart).toContain('<title id="trend-ENG-title">Scope version and drift of ENG</title>');
    expect(chart).toContain('From 2026-11-02 to 2026-11-05 the scope went from version 1.0 to 1.2; 2 of the changes made on these days still have no reason.');
    const points = /<polyline class="version" points="([^"]+)"/.exec(chart)![1]!.split(' ').map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(4);
    // Changes since the baseline 0, 0, 1, 2: higher on the page is a smaller y.
    const ys = points.map(([, y]) => y!);
    expect(ys[0]).toBe(ys[1]);
    expect(ys[2]).toBeLessThan(ys[1]!);
    expect(ys[3]).toBeLessThan(ys[2]!);
    expect(chart.match(/<rect class="undocumented"/g)).toHaveLength(2);
    const rows = [...chart.matchAll(/<tr><th scope="row">([^<]+)<\/th><td>([^<]+)<\/td><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><\/tr>/g)].map((m) => m.slice(1));
    expect(rows).toEqual([
      ['2026-11-02', '1.0', '0', '0'],
      ['2026-11-03', '1.0', '0', '0'],
      ['2026-11-04', '1.1', '1', '1'],
      ['2026-11-05', '1.2', '1', '1'],
    ]);
    // OPS has no history: no chart for it.
    expect(text).not.toContain('trend-OPS');
  });

  it('stops drawing a day as undocumented once a reason is attached, even with a memo of the earlier page', async () => {
    const memo: TeamSummaryMemo = new Map();
    expect(await overview(memo)).toMatch(/<rect class="undocumented"/);
    const removal = (await store.queryHistory({ scopeId: ENG.scopeId, kinds: ['scope_changed'], limit: 10 })).records;
    const committed = await store.commit({
      scopeId: ENG.scopeId,
      history: [{ id: 'reason-1', scopeId: ENG.scopeId, at: '2026-11-05T12:00:00.000Z', actor: null, deliverableId: null, kind: 'reason_attached', data: { changeIds: removal.map((r) => r.id), reason: 'Agreed with the client' } }],
    });
    expect(committed.ok).toBe(true);
    const text = await overview(memo);
    expect(text).not.toMatch(/<rect class="undocumented"/);
    expect(text).toContain('0 of the changes made on these days still have no reason.');
  });

  it('escapes the team key and draws nothing without history', () => {
    expect(renderScopeChart('E<x>', []).text).toBe('');
    const text = renderScopeChart('E<x>', [{ day: '2026-11-02', scopeVersion: '1.0', changes: 0, undocumented: 0 }]).text;
    expect(text).toContain('Scope version and drift of E&lt;x&gt;');
    expect(text).not.toContain('<x>');
  });
});
