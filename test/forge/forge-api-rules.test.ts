import { asApp, asUser, route } from '@forge/api';
import { installForgeApiMock, PEOPLE, PROJ, STATUS, TRANSITION, type FakeJira } from '../mocks/forge-api';

jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());

// The Jira REST stand-in refuses what Jira refuses. Each rule's source is in
// docs/platform-rules.md, "Jira REST API and workflows".

let jira: FakeJira;
const JSON_HEADERS = { Accept: 'application/json', 'Content-Type': 'application/json' };

beforeEach(() => {
  jira = installForgeApiMock();
});

async function transition(issue: string, body: unknown, as: 'app' | 'user' = 'app') {
  const requester = as === 'app' ? asApp() : asUser();
  const response = await requester.requestJira(route`/rest/api/3/issue/${issue}/transitions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
  return { status: response.status, body: response.status === 204 ? null : ((await response.json()) as { errorMessages: string[]; errors: Record<string, string> }) };
}

async function listTransitions(issue: string, as: 'app' | 'user' = 'app') {
  const requester = as === 'app' ? asApp() : asUser();
  const response = await requester.requestJira(route`/rest/api/3/issue/${issue}/transitions`);
  return ((await response.json()) as { transitions: { id: string; to: { id: string } }[] }).transitions;
}

async function comment(issue: string, body: unknown) {
  const response = await asApp().requestJira(route`/rest/api/3/issue/${issue}/comment`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ body }) });
  return { status: response.status, body: (await response.json()) as { errorMessages?: string[] } };
}

async function putProperty(issue: string, key: string, value: unknown) {
  const response = await asApp().requestJira(route`/rest/api/3/issue/${issue}/properties/${key}`, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify(value) });
  return response.status;
}

async function search(body: Record<string, unknown>) {
  const response = await asApp().requestJira(route`/rest/api/3/search/jql`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { issues?: { key: string; properties?: Record<string, unknown> }[]; nextPageToken?: string; errorMessages?: string[] } };
}

const paragraph = (text: string) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

describe('Jira REST stand-in: workflow transitions', () => {
  it('moves the issue along a transition available from its status', async () => {
    expect((await transition('PROJ-12', { transition: { id: TRANSITION.done.id } })).status).toBe(204);
    expect(jira.issue('PROJ-12').statusId).toBe(STATUS.done.id);
  });

  it('refuses with 400 a transition that exists in the workflow but not from the current status', async () => {
    const answer = await transition('PROJ-12', { transition: { id: TRANSITION.reopen.id } });
    expect(answer).toEqual({ status: 400, body: { errorMessages: ["Transition id '61' is not valid for this issue."], errors: {} } });
    expect(jira.issue('PROJ-12').statusId).toBe(STATUS.inProgress.id);
  });

  it('lists no way out of a status with no transition back, and refuses every move from it', async () => {
    jira.issue('PROJ-12').statusId = STATUS.closed.id;
    expect(await listTransitions('PROJ-12')).toEqual([]);
    for (const t of Object.values(TRANSITION)) expect((await transition('PROJ-12', { transition: { id: t.id } })).status).toBe(400);
    expect(jira.issue('PROJ-12').statusId).toBe(STATUS.closed.id);
  });

  it('refuses with 400 a request that names no transition', async () => {
    expect((await transition('PROJ-12', {})).status).toBe(400);
  });

  it('refuses with 400 fields set through a transition that has no screen', async () => {
    const answer = await transition('PROJ-12', { transition: { id: TRANSITION.done.id }, update: { comment: [{ add: { body: paragraph('Done') } }] } });
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body?.errors ?? {})).toEqual(['comment']);
    expect(jira.issue('PROJ-12').statusId).toBe(STATUS.inProgress.id);
  });

  it('lists no transitions to, and refuses a transition by, a user without Transition issues', async () => {
    jira.revoke(PROJ.id, 'TRANSITION_ISSUES', PEOPLE.olga.accountId);
    jira.actAs(PEOPLE.olga.accountId);
    expect(await listTransitions('PROJ-12', 'user')).toEqual([]);
    expect((await transition('PROJ-12', { transition: { id: TRANSITION.done.id } }, 'user')).status).toBe(400);
    expect(jira.issue('PROJ-12').statusId).toBe(STATUS.inProgress.id);
  });
});

describe('Jira REST stand-in: comment bodies are Atlassian Document Format', () => {
  it('accepts a valid document', async () => {
    expect((await comment('PROJ-12', paragraph('Moved back'))).status).toBe(201);
    expect(jira.issue('PROJ-12').comments).toHaveLength(1);
  });

  it('refuses with 400 a document whose text sits directly in the doc', async () => {
    const answer = await comment('PROJ-12', { type: 'doc', version: 1, content: [{ type: 'text', text: 'Moved back' }] });
    expect(answer.status).toBe(400);
    expect(answer.body.errorMessages?.join(' ')).toContain('INVALID_CONTENT');
    expect(jira.issue('PROJ-12').comments).toEqual([]);
  });

  it('refuses with 400 an empty text node and an empty bullet list', async () => {
    expect((await comment('PROJ-12', paragraph(''))).status).toBe(400);
    expect((await comment('PROJ-12', { type: 'doc', version: 1, content: [{ type: 'bulletList', content: [] }] })).status).toBe(400);
  });

  it('refuses with 400 a plain-text body, which only REST API v2 takes', async () => {
    expect((await comment('PROJ-12', 'Moved back')).status).toBe(400);
  });
});

describe('Jira REST stand-in: issue property limits', () => {
  it('accepts a value of exactly 32768 bytes and refuses one byte more with 400', async () => {
    const padding = (bytes: number) => ({ text: 'x'.repeat(bytes - JSON.stringify({ text: '' }).length) });
    expect(await putProperty('PROJ-12', 'scopekeeper', padding(32768))).toBe(201);
    expect(await putProperty('PROJ-12', 'scopekeeper', padding(32769))).toBe(400);
  });

  it('refuses with 403 a user without Edit issues', async () => {
    jira.actAs(PEOPLE.olga.accountId);
    const response = await asUser().requestJira(route`/rest/api/3/issue/PROJ-12/properties/scopekeeper`, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ a: 1 }) });
    expect(response.status).toBe(403);
    expect(jira.issue('PROJ-12').properties).toEqual({});
  });

  it('refuses with 400 a property key longer than 255 characters', async () => {
    expect(await putProperty('PROJ-12', 'k'.repeat(255), { a: 1 })).toBe(201);
    expect(await putProperty('PROJ-12', 'k'.repeat(256), { a: 1 })).toBe(400);
  });
});

describe('Jira REST stand-in: enhanced JQL search', () => {
  it('refuses with 400 an unbounded query', async () => {
    expect((await search({ jql: 'ORDER BY created ASC' })).status).toBe(400);
    expect((await search({ jql: '' })).status).toBe(400);
  });

  it('refuses with 400 more than five issue properties', async () => {
    expect((await search({ jql: 'created <= now()', properties: ['a', 'b', 'c', 'd', 'e', 'f'] })).status).toBe(400);
  });

  it('pages with nextPageToken, absent on the last page, and returns the properties asked for', async () => {
    jira.issue('PROJ-13').properties.scopekeeper = { criteriaCount: 0 };
    const first = await search({ jql: 'created <= now() ORDER BY created ASC', maxResults: 1, properties: ['scopekeeper'] });
    expect(first.body.issues?.map((i) => i.key)).toEqual(['PROJ-12']);
    expect(first.body.issues?.[0]?.properties).toEqual({});
    const second = await search({ jql: 'created <= now() ORDER BY created ASC', maxResults: 1, properties: ['scopekeeper'], nextPageToken: first.body.nextPageToken });
    expect(second.body.issues?.map((i) => [i.key, i.properties])).toEqual([['PROJ-13', { scopekeeper: { criteriaCount: 0 } }]]);
    expect(second.body.nextPageToken).toBeUndefined();
  });

  it('refuses with 400 a page token it did not issue', async () => {
    expect((await search({ jql: 'created <= now()', nextPageToken: 'not-a-token' })).status).toBe(400);
  });
});
