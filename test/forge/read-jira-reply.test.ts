import { fetchCurrentUser } from '../../src/forge/jira/fetch-current-user';
import { fetchUser } from '../../src/forge/jira/fetch-user';
import { readApproverRoles } from '../../src/forge/jira/find-approver-roles';
import { jiraReadStats, pickRequester, readJiraReply } from '../../src/forge/jira/read-jira-reply';

// Jira answers that are not what its REST v3 documentation promises: each must end in an error
// naming the path, or in a fallback that is logged and counted, never in a crash deeper in.

type Answer = { status: number; text: string };
let answers: Answer[] = [];
const requestJira = jest.fn(async () => {
  const answer = answers.shift() ?? { status: 500, text: '' };
  return { ok: answer.status >= 200 && answer.status < 300, status: answer.status, text: async () => answer.text };
});

jest.mock('@forge/api', () => ({
  route: (strings: TemplateStringsArray, ...values: unknown[]) => String.raw(strings, ...values.map(String)),
  asApp: () => ({ requestJira }),
  asUser: () => ({ requestJira }),
}));

const answer = (status: number, body: unknown): Answer => ({ status, text: typeof body === 'string' ? body : JSON.stringify(body) });

let warn: jest.SpyInstance;

beforeEach(() => {
  answers = [];
  jiraReadStats.unparsedBodies = 0;
  jiraReadStats.unnamedUsers = 0;
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => warn.mockRestore());

describe('Jira answers Scopekeeper cannot use', () => {
  it('throws an error naming the path when /myself answers an account id that is not a string', async () => {
    answers = [answer(200, { accountId: 42, displayName: 'Anna' })];
    await expect(fetchCurrentUser('u-anna')).rejects.toThrow(
      'Jira answered /myself in a shape Scopekeeper cannot read: accountId: Invalid input: expected string, received number',
    );
  });

  it('reads /myself when the optional fields are null, as Jira sends them for hidden profiles', async () => {
    answers = [answer(200, { accountId: 'u-anna', displayName: 'Anna', emailAddress: null })];
    expect(await fetchCurrentUser('u-anna')).toEqual({ id: 'u-anna', name: 'Anna', email: null });
  });

  it('throws an error naming the path when a project role answers actors that are not a list', async () => {
    answers = [answer(200, { Approvers: 'https://jira.example/rest/api/3/project/10000/role/10100' }), answer(200, { actors: { type: 'user' } })];
    await expect(readApproverRoles('10000', 'u-anna', ['Approvers'])).rejects.toThrow(
      /^Jira answered role Approvers in a shape Scopekeeper cannot read: actors: /,
    );
  });

  it('keeps a body that is not JSON as text, and logs and counts it', async () => {
    answers = [answer(502, '<html>Bad gateway</html>')];
    expect(await readJiraReply(pickRequester('app').requestJira('/rest/api/3/myself' as never))).toEqual({ ok: false, status: 502, body: '<html>Bad gateway</html>' });
    expect(jiraReadStats.unparsedBodies).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Jira answered 502 with a body that is not JSON/), expect.any(String));
  });

  it('records a person without a name when the user lookup answers an unreadable body, and logs and counts it', async () => {
    answers = [answer(200, { displayName: { first: 'Anna' } })];
    expect(await fetchUser('u-anna')).toEqual({ id: 'u-anna', name: null, email: null });
    expect(jiraReadStats.unnamedUsers).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/recording u-anna without a name: .*displayName: /), '');
  });

  it('records a person without a name when the user lookup fails, and logs and counts it', async () => {
    requestJira.mockRejectedValueOnce(new Error('socket hang up'));
    expect(await fetchUser('u-ravi')).toEqual({ id: 'u-ravi', name: null, email: null });
    expect(jiraReadStats.unnamedUsers).toBe(1);
    expect(warn).toHaveBeenCalledWith('[scopekeeper] recording u-ravi without a name: the user lookup failed', 'socket hang up');
  });
});
