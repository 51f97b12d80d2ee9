import { route } from '@forge/api';
import type { Actor } from '../core/schemas';
import { pickRequester, readJiraReply } from './read-jira-reply';

/**
 * Someone named in an event, as an Actor for the history record: GET /rest/api/3/user as the app
 * (scope read:jira-user). The name is a courtesy; without it the record still names the account id.
 */
export async function fetchUser(accountId: string): Promise<Actor> {
  try {
    const reply = await readJiraReply(pickRequester('app').requestJira(route`/rest/api/3/user?accountId=${accountId}`));
    const name = reply.ok ? (reply.body as { displayName?: unknown } | null)?.displayName : null;
    return { id: accountId, name: typeof name === 'string' && name !== '' ? name : null, email: null };
  } catch {
    return { id: accountId, name: null, email: null };
  }
}
