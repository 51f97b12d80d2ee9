import { route } from '@forge/api';
import { z } from 'zod';
import { pickRequester, JiraUnavailableError, readJiraReply, type JiraIdentity } from './read-jira-reply';

const statusShape = z.object({
  id: z.string(),
  name: z.string(),
  statusCategory: z.object({ key: z.string() }).partial().optional(),
});

const issueShape = z.object({
  id: z.string(),
  key: z.string(),
  fields: z.object({
    summary: z.string().optional(),
    issuetype: z.object({ name: z.string() }).nullish(),
    project: z.object({ id: z.string(), key: z.string(), name: z.string().optional() }).nullish(),
    status: statusShape.nullish(),
    assignee: z.object({ accountId: z.string() }).nullish(),
    description: z.unknown().optional(),
  }),
  transitions: z.array(z.object({ id: z.string(), name: z.string(), to: statusShape })).optional(),
});

export interface JiraStatus {
  id: string;
  name: string;
  /** Jira status category key: new, indeterminate or done. */
  categoryKey: string | null;
}

export interface JiraIssue {
  id: string;
  key: string;
  project: { id: string; key: string; name: string | null };
  summary: string;
  issueType: string | null;
  status: JiraStatus | null;
  assigneeId: string | null;
  /** Atlassian Document Format, when requested. */
  description: unknown;
  transitions: { id: string; name: string; to: JiraStatus }[] | null;
}

/**
 * GET /rest/api/3/issue/{idOrKey} with the few fields the app reads (and, for the validator,
 * `expand=transitions`, which names each target status and its category in the same call).
 * Null when the issue does not exist or the identity may not see it (Jira answers 404 for both).
 */
export async function fetchIssue(
  as: JiraIdentity,
  idOrKey: string,
  options: { description?: boolean; transitions?: boolean } = {},
): Promise<JiraIssue | null> {
  const fields = ['summary', 'issuetype', 'project', 'status', 'assignee', ...(options.description ? ['description'] : [])].join(',');
  const reply = await readJiraReply(
    options.transitions
      ? pickRequester(as).requestJira(route`/rest/api/3/issue/${idOrKey}?fields=${fields}&expand=transitions`)
      : pickRequester(as).requestJira(route`/rest/api/3/issue/${idOrKey}?fields=${fields}`),
  );
  if (reply.status === 404) return null;
  if (!reply.ok) throw new JiraUnavailableError(`reading issue ${idOrKey}`, reply.status);
  const parsed = issueShape.safeParse(reply.body);
  if (!parsed.success) throw new Error(`Jira answered an issue Scopekeeper cannot read: ${parsed.error.message}`);
  const { id, key, fields: f, transitions } = parsed.data;
  if (!f.project) throw new Error(`Jira answered issue ${key} without its project`);
  return {
    id,
    key,
    project: { id: f.project.id, key: f.project.key, name: f.project.name ?? null },
    summary: f.summary ?? '',
    issueType: f.issuetype?.name ?? null,
    status: f.status ? toStatus(f.status) : null,
    assigneeId: f.assignee?.accountId ?? null,
    description: f.description ?? null,
    transitions: transitions ? transitions.map((t) => ({ id: t.id, name: t.name, to: toStatus(t.to) })) : null,
  };
}

function toStatus(status: z.infer<typeof statusShape>): JiraStatus {
  return { id: status.id, name: status.name, categoryKey: status.statusCategory?.key ?? null };
}
