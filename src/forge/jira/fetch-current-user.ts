import { route } from '@forge/api';
import { z } from 'zod';
import type { Actor } from '../../core/schemas';
import { pickRequester, JiraUnavailableError, readJiraBody, readJiraReply } from './read-jira-reply';

const myselfSchema = z.object({
  accountId: z.string().min(1),
  displayName: z.string().nullish(),
  emailAddress: z.string().nullish(),
});

/**
 * The invoking user as an Actor, for the name kept in history records and sign-offs.
 * GET /rest/api/3/myself as the user (scope read:jira-user). The account id must be the
 * invocation's own: identity comes from the Forge context, this call only adds the name.
 */
export async function fetchCurrentUser(accountId: string): Promise<Actor> {
  const reply = await readJiraReply(pickRequester('user').requestJira(route`/rest/api/3/myself`));
  if (!reply.ok) throw new JiraUnavailableError('reading the current user', reply.status);
  const body = readJiraBody(myselfSchema, reply.body, '/myself');
  if (body.accountId !== accountId) throw new Error('Jira answered /myself for another account than the invocation principal');
  return {
    id: accountId,
    name: body.displayName && body.displayName.trim() !== '' ? body.displayName : null,
    // Often hidden by the user's profile visibility; only used to match approvers listed by email.
    email: body.emailAddress ? body.emailAddress : null,
  };
}
