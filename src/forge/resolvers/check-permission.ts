import { route } from '@forge/api';
import { pickRequester, JiraUnavailableError, readJiraReply } from '../jira/read-jira-reply';

export type ProjectPermissionKey = 'BROWSE_PROJECTS' | 'EDIT_ISSUES' | 'ADMINISTER_PROJECTS';

/**
 * Whether the invoking user holds a project permission, asked as that user through
 * GET /rest/api/3/mypermissions (the `permissions` parameter is required). On an issue, issue
 * security and the issue's project apply; on a project, the project's permission scheme.
 */
export async function checkPermission(permission: ProjectPermissionKey, on: { issueId: string } | { projectId: string }): Promise<boolean> {
  const reply = await readJiraReply(
    'issueId' in on
      ? pickRequester('user').requestJira(route`/rest/api/3/mypermissions?issueId=${on.issueId}&permissions=${permission}`)
      : pickRequester('user').requestJira(route`/rest/api/3/mypermissions?projectId=${on.projectId}&permissions=${permission}`),
  );
  // 401/404: not signed in, or cannot see the issue or project: certainly no permission.
  if (reply.status === 401 || reply.status === 404) return false;
  if (!reply.ok) throw new JiraUnavailableError(`checking ${permission}`, reply.status);
  const body = reply.body as { permissions?: Record<string, { havePermission?: unknown }> } | null;
  return body?.permissions?.[permission]?.havePermission === true;
}
