import { route } from '@forge/api';
import { z } from 'zod';
import { pickRequester, JiraUnavailableError, readJiraBody, readJiraReply, type JiraIdentity } from './read-jira-reply';

const MAX_GROUP_PAGES = 20;

/**
 * Jira's answers when the caller may not read project roles. GET /rest/api/3/project/{id}/role
 * needs Administer Projects in any project (or Administer Jira) and answers 401 or 404 without;
 * GET /rest/api/3/project/{id}/role/{roleId} needs Administer Projects in this project and
 * answers 404 without (developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-project-roles).
 * 403 is taken the same way. Other failures are Jira being unavailable.
 */
const NO_ACCESS = new Set([401, 403, 404]);

const roleListSchema = z.record(z.string(), z.unknown());
const roleSchema = z.object({
  actors: z
    .array(
      z.object({
        type: z.string().optional(),
        actorUser: z.object({ accountId: z.string().optional() }).optional(),
        actorGroup: z.object({ groupId: z.string().optional() }).optional(),
      }),
    )
    .default([]),
});
const groupPageSchema = z.object({ values: z.array(z.object({ accountId: z.string().optional() })).default([]), isLast: z.boolean().optional() });

type RoleActors = z.infer<typeof roleSchema>['actors'];

export type ApproverRolesReading =
  | { ok: true; held: string[]; readAs: JiraIdentity | null }
  | { ok: false; code: 'ROLES_UNREADABLE'; message: string };

/**
 * Which of the project roles named in the settings `accountId` holds, directly or through a
 * group. Roles are read as the app first; where the app lacks Administer Projects, as the user
 * of the current invocation (so `accountId` must be that user), which works when they are a
 * project admin. When neither may read them the answer is ROLES_UNREADABLE, never "holds no
 * role" by accident: callers refuse role-based sign-off and say why. Role names compare
 * case-insensitively, as the core does. Throws JiraUnavailableError only when Jira fails.
 */
export async function readApproverRoles(projectId: string, accountId: string, roleNames: readonly string[]): Promise<ApproverRolesReading> {
  if (roleNames.length === 0) return { ok: true, held: [], readAs: null };
  for (const as of ['app', 'user'] as const) {
    const roles = await readRoles(as, projectId, roleNames);
    if (roles === null) continue;
    const held: string[] = [];
    for (const role of roles) {
      const holds = await holdsRole(role.actors, accountId);
      if (holds === null) return unreadable(roleNames);
      if (holds) held.push(role.name);
    }
    return { ok: true, held, readAs: as };
  }
  return unreadable(roleNames);
}

/** Whether the app itself can read this project's roles, for the settings page to warn when it cannot. */
export async function canAppReadRoles(projectId: string, roleNames: readonly string[]): Promise<boolean> {
  return roleNames.length === 0 || (await readRoles('app', projectId, roleNames)) !== null;
}

/**
 * The roles the user holds, for callers that treat "cannot tell" as Jira being unavailable
 * (the project page's baseline permission). Prefer readApproverRoles, which says why.
 */
export async function findApproverRoles(projectId: string, accountId: string, roleNames: readonly string[]): Promise<string[]> {
  const reading = await readApproverRoles(projectId, accountId, roleNames);
  if (!reading.ok) throw new JiraUnavailableError(`reading the roles of project ${projectId}`, 404);
  return reading.held;
}

/** The wanted roles with their actors, read as `as`; null when Jira will not show them to `as`. */
async function readRoles(as: JiraIdentity, projectId: string, roleNames: readonly string[]): Promise<{ name: string; actors: RoleActors }[] | null> {
  const list = await readJiraReply(pickRequester(as).requestJira(route`/rest/api/3/project/${projectId}/role`));
  if (NO_ACCESS.has(list.status)) return null;
  if (!list.ok) throw new JiraUnavailableError(`listing the roles of project ${projectId}`, list.status);
  const urls = readJiraBody(roleListSchema, list.body ?? {}, `the role list of project ${projectId}`);
  const wanted = new Set(roleNames.map(fold));
  const roles: { name: string; actors: RoleActors }[] = [];
  for (const [name, url] of Object.entries(urls)) {
    if (!wanted.has(fold(name)) || typeof url !== 'string') continue;
    const roleId = /\/role\/(\d+)$/.exec(url)?.[1];
    if (!roleId) continue;
    const reply = await readJiraReply(pickRequester(as).requestJira(route`/rest/api/3/project/${projectId}/role/${roleId}`));
    if (NO_ACCESS.has(reply.status)) return null;
    if (!reply.ok) throw new JiraUnavailableError(`reading role ${name}`, reply.status);
    const role = readJiraBody(roleSchema, reply.body ?? {}, `role ${name}`);
    roles.push({ name, actors: role.actors });
  }
  return roles;
}

/** True or false; null when a group's members cannot be read, so membership cannot be told. */
async function holdsRole(actors: RoleActors, accountId: string): Promise<boolean | null> {
  if (actors.some((a) => a.type === 'atlassian-user-role-actor' && a.actorUser?.accountId === accountId)) return true;
  for (const actor of actors) {
    const groupId = actor.type === 'atlassian-group-role-actor' ? actor.actorGroup?.groupId : undefined;
    if (!groupId) continue;
    const member = await isGroupMember(groupId, accountId);
    if (member !== false) return member;
  }
  return false;
}

async function isGroupMember(groupId: string, accountId: string): Promise<boolean | null> {
  let startAt = 0;
  for (let page = 0; page < MAX_GROUP_PAGES; page += 1) {
    const reply = await readJiraReply(pickRequester('app').requestJira(route`/rest/api/3/group/member?groupId=${groupId}&startAt=${startAt}&maxResults=50`));
    // A group deleted since it was given the role has no members.
    if (reply.status === 404) return false;
    if (reply.status === 401 || reply.status === 403) return null;
    if (!reply.ok) throw new JiraUnavailableError(`listing members of group ${groupId}`, reply.status);
    const { values, isLast } = readJiraBody(groupPageSchema, reply.body ?? {}, `group ${groupId}`);
    if (values.some((v) => v.accountId === accountId)) return true;
    if (isLast !== false || values.length === 0) return false;
    startAt += values.length;
  }
  // Past 1,000 members the user counts as no member: that refuses, it never lets through.
  return false;
}

function unreadable(roleNames: readonly string[]): ApproverRolesReading {
  return { ok: false, code: 'ROLES_UNREADABLE', message: describeUnreadableRoles(roleNames) };
}

function fold(value: string): string {
  return value.trim().toLowerCase();
}

export function describeUnreadableRoles(roleNames: readonly string[]): string {
  const roles = roleNames.map((r) => `“${r}”`).join(' or ');
  return (
    `Scopekeeper cannot read this project's roles, so it cannot tell who holds ${roles}. ` +
    'Jira shows project roles only to people and apps with the Administer Projects permission: ask a Jira admin to give the Scopekeeper app that permission in this project. ' +
    'Until then, only approvers named in the settings, and project admins who hold the role, can sign off.'
  );
}
