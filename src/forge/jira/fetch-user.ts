import { route } from '@forge/api';
import { z } from 'zod';
import type { Actor } from '../../core/schemas';
import { parseWith } from '../../core/parse-with';
import { jiraReadStats, pickRequester, readJiraReply, warnAboutJira } from './read-jira-reply';

const userSchema = z.object({ displayName: z.string().nullish() });

/**
 * Someone named in an event, as an Actor for the history record: GET /rest/api/3/user as the app
 * (scope read:jira-user). The name is a courtesy; without it the record still names the account
 * id, so a failed lookup is logged and counted (jiraReadStats.unnamedUsers), never fatal.
 */
export async function fetchUser(accountId: string): Promise<Actor> {
  const unnamed = (why: string, error?: unknown): Actor => {
    jiraReadStats.unnamedUsers += 1;
    warnAboutJira(`recording ${accountId} without a name: ${why}`, error);
    return { id: accountId, name: null, email: null };
  };
  try {
    const reply = await readJiraReply(pickRequester('app').requestJira(route`/rest/api/3/user?accountId=${accountId}`));
    if (!reply.ok) return unnamed(`Jira answered ${reply.status} to the user lookup`);
    const user = parseWith(userSchema, reply.body);
    if (!user.ok) return unnamed(`Jira answered the user lookup in a shape Scopekeeper cannot read: ${user.errors.join('; ')}`);
    const name = user.value.displayName;
    return { id: accountId, name: typeof name === 'string' && name !== '' ? name : null, email: null };
  } catch (error) {
    return unnamed('the user lookup failed', error);
  }
}
