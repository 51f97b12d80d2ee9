import { closurePolicySchema, type DeliverableState } from '../../../src/core/schemas';
import { openStore } from '../../../src/store/open-store';
import type { SqlStore } from '../../../src/store/sql-store';
import { readConsoleTeams } from '../../../linear-adapter/console/read-console-teams';
import { readTeamSummary } from '../../../linear-adapter/console/read-team-summary';
import { renderTeamPage } from '../../../linear-adapter/console/render-team-page';

// A team of 250 deliverables: the team page shows them 100 at a time, sorted over all of them.

const SCOPE = 'linear:team-big';

describe('team page with many deliverables', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    const states = Array.from({ length: 250 }, (_, i): DeliverableState => ({
      platform: 'linear', id: `issue-${i}`, key: `BIG-${i + 1}`, scopeId: SCOPE, title: `Task ${i + 1}`, assigneeId: null,
      criteria: [{ id: null, text: 'It works', met: false }], signOff: null, inScope: true, updatedAt: '2026-11-01T10:00:00.000Z',
    }));
    const result = await store.commit({ scopeId: SCOPE, deliverables: states.map((state) => ({ state, expectedVersion: null })) });
    if (!result.ok) throw new Error(result.message);
  });
  afterAll(() => store.close());

  const render = async (query: string) => {
    const [team] = await readConsoleTeams(store, { kind: 'token', actor: { id: 'op', name: 'Op', email: null } });
    const summary = await readTeamSummary(store, team!, closurePolicySchema.parse({}));
    const text = renderTeamPage({ summary, baselines: summary.baselines, bypasses: new Map(), params: new URLSearchParams(query), mayWrite: false, csrfToken: 'x', workspaceUrl: undefined, notice: null }).text;
    return { text, keys: [...text.matchAll(/<th scope="row">(BIG-\d+)<\/th>/g)].map((m) => m[1]) };
  };

  it('shows the first 100 in key order, numbers compared as numbers, with a link to the next 100', async () => {
    const { text, keys } = await render('');
    expect(keys).toHaveLength(100);
    expect(keys.slice(0, 3)).toEqual(['BIG-1', 'BIG-2', 'BIG-3']);
    expect(keys[99]).toBe('BIG-100');
    expect(text).toContain('250 of 250 deliverables, page 1 of 3');
    expect(text).toContain('<a href="?page=2#deliverables">Next 100</a>');
    expect(text).not.toContain('Previous 100');
  });

  it('pages on from the address, keeps the sort, and clamps a page past the end to the last', async () => {
    const second = await render('sort=key&dir=desc&page=2');
    expect(second.keys[0]).toBe('BIG-150');
    expect(second.text).toContain('Previous 100');
    expect(second.text).toContain('Next 100');
    const last = await render('page=99');
    expect(last.keys).toEqual(Array.from({ length: 50 }, (_, i) => `BIG-${i + 201}`));
    expect(last.text).not.toContain('Next 100');
  });

  it('starts again at page 1 when the user sorts by another column', async () => {
    const { text } = await render('page=2');
    expect(text).toMatch(/href="\?sort=title&amp;dir=asc"/);
  });
});
