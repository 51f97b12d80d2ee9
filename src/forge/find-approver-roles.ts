import { route } from '@forge/api';
import { pickRequester, JiraUnavailableError, readJiraReply } from './read-jira-reply';

const MAX_GROUP_PAGES = 20;

/**
 * Which of the project roles named in the settings the user holds, directly or through a group,
 * looked up as the app: GET /rest/api/3/project/{id}/role (role name -> URL), then
 * GET /rest/api/3/project/{id}/role/{roleId} for its actors, then GET /rest/api/3/group/member
 * for group actors. Role names compare case-insensitively, as the core does.
 */
export async function findApproverRoles(projectId: string, accountId: string, roleNames: readonly string[]): Promise<string[]> {
  if (roleNames.length === 0) return [];
  const list = await readJiraReply(pickRequester('app').requestJira(route`/rest/api/3/project/${projectId}/role`));
  if (!list.ok) throw new JiraUnavailableError(`listing the roles of project ${projectId}`, list.status);
  const urls = (list.body ?? {}) as Record<string, unknown>;
  const wanted = new Set(roleNames.map(fold));
  const held: string[] = [];
  for (const [name, url] of Object.entries(urls)) {
    if (!wanted.has(fold(name)) || typeof url !== 'string') continue;
    const roleId = /\/role\/(\d+)$/.exec(url)?.[1];
    if (!roleId) continue;
    const role = await readJiraReply(pickRequester('app').requestJira(route`/rest/api/3/project/${projectId}/role/${roleId}`));
    if (!role.ok) throw new JiraUnavailableError(`reading role ${name}`, role.status);
    const actors = ((role.body as { actors?: unknown[] } | null)?.actors ?? []) as {
      type?: string;
      actorUser?: { accountId?: string };
      actorGroup?: { groupId?: string };
    }[];
    let holds = actors.some((a) => a.type === 'atlassian-user-role-actor' && a.actorUser?.accountId === accountId);
    for (const actor of actors) {
      if (holds) break;
      const groupId = actor.type === 'atlassian-group-role-actor' ? actor.actorGroup?.groupId : undefined;
      if (groupId) holds = await isGroupMember(groupId, accountId);
    }
    if (holds) held.push(name);
  }
  return held;
}

async function isGroupMember(groupId: string, accountId: string): Promise<boolean> {
  let startAt = 0;
  for (let page = 0; page < MAX_GROUP_PAGES; page += 1) {
    const reply = await readJiraReply(pickRequester('app').requestJira(route`/rest/api/3/group/member?groupId=${groupId}&startAt=${startAt}&maxResults=50`));
    if (!reply.ok) throw new JiraUnavailableError(`listing members of group ${groupId}`, reply.status);
    const body = reply.body as { values?: { accountId?: string }[]; isLast?: boolean } | null;
    const values = body?.values ?? [];
    if (values.some((v) => v.accountId === accountId)) return true;
    if (body?.isLast !== false || values.length === 0) return false;
    startAt += values.length;
  }
  return false;
}

function fold(value: string): string {
  return value.trim().toLowerCase();
}
