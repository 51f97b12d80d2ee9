/**
 * The ONE stand-in for @forge/api: asUser()/asApp().requestJira(route`...`) answered from
 * seeded fixtures with Jira Cloud REST v3 response shapes (developer.atlassian.com/cloud/jira/
 * platform/rest/v3: issues, my permissions, project roles, groups, myself, transitions, comments,
 * issue properties, projects). The real `route` tagged template is used, and a plain string
 * URL is refused as the real SDK refuses it. Every call is recorded, per asApp/asUser, so tests
 * can count them.
 *
 * asUser() acts as the user of the current invocation, as the Forge runtime binds it; tests set
 * that user with `actAs(accountId)` (the resolver test helper does it from the invocation).
 *
 * It refuses what Jira refuses (docs/platform-rules.md, "Jira REST API and workflows", lists each
 * rule with its source and the test in test/forge/forge-api-rules.test.ts that proves it):
 * transitions follow a workflow graph, comment bodies must be valid ADF, issue property keys and
 * values have Jira's size limits, and JQL searches must be bounded.
 *
 *   jest.mock('@forge/api', () => jest.requireActual('../mocks/forge-api').mockForgeApiModule());
 */

export type StatusCategoryKey = 'new' | 'indeterminate' | 'done';

export interface FakeUser {
  accountId: string;
  displayName: string;
  emailAddress?: string | null;
}

export interface FakeStatus {
  id: string;
  name: string;
  category: StatusCategoryKey;
}

export interface FakeProject {
  id: string;
  key: string;
  name: string;
}

export interface FakeIssue {
  id: string;
  key: string;
  projectId: string;
  summary: string;
  issueType: string;
  statusId: string;
  assigneeId: string | null;
  /** Atlassian Document Format, or null. */
  description: unknown;
  properties: Record<string, unknown>;
  comments: { id: string; authorId: string | null; body: unknown; as: 'app' | 'user' }[];
}

export interface FakeRole {
  id: number;
  name: string;
  projectId: string;
  users: string[];
  groupIds: string[];
}

export interface FakeGroup {
  groupId: string;
  name: string;
  members: string[];
}

/** A workflow transition: `from` lists the statuses it leaves; empty means global (from any status). */
export interface FakeTransition {
  id: string;
  name: string;
  from: string[];
  to: string;
}

export type ProjectPermission = 'BROWSE_PROJECTS' | 'EDIT_ISSUES' | 'ADMINISTER_PROJECTS' | 'TRANSITION_ISSUES';

export interface JiraCall {
  as: 'app' | 'user';
  /** The user an asUser call acted for; null for asApp. */
  accountId: string | null;
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface JiraCallCounts {
  asApp: number;
  asUser: number;
  total: number;
}

const SITE = 'https://scopekeeper-test.atlassian.net';
const CATEGORY = {
  new: { self: `${SITE}/rest/api/3/statuscategory/2`, id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { self: `${SITE}/rest/api/3/statuscategory/4`, id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { self: `${SITE}/rest/api/3/statuscategory/3`, id: 3, key: 'done', colorName: 'green', name: 'Done' },
} as const;
const PERMISSION_NAMES: Record<string, { id: string; name: string; description: string }> = {
  BROWSE_PROJECTS: { id: '10', name: 'Browse Projects', description: 'Ability to browse projects and the issues within them.' },
  EDIT_ISSUES: { id: '12', name: 'Edit Issues', description: 'Ability to edit issues.' },
  ADMINISTER_PROJECTS: { id: '23', name: 'Administer Projects', description: 'Ability to administer a project in Jira.' },
  TRANSITION_ISSUES: { id: '46', name: 'Transition Issues', description: 'Ability to transition issues.' },
};

interface Reply {
  status: number;
  body?: unknown;
}

/** A small Jira Cloud site in memory. */
export class FakeJira {
  users = new Map<string, FakeUser>();
  projects = new Map<string, FakeProject>();
  statuses = new Map<string, FakeStatus>();
  issues = new Map<string, FakeIssue>();
  /** The one workflow every issue follows; a status with no outgoing transition is a dead end. */
  workflow: FakeTransition[] = [];
  roles: FakeRole[] = [];
  groups = new Map<string, FakeGroup>();
  /** projectId -> permission -> account ids holding it. */
  permissions = new Map<string, Map<ProjectPermission, Set<string>>>();
  calls: JiraCall[] = [];
  /** The user asUser() acts as (the invocation's principal). */
  currentUser: string | null = null;
  /**
   * Projects where the app lacks Administer Projects. Project roles need it (the user's or the
   * app's): the role list in any project of the site, a role's actors in this project; without
   * it Jira answers 404 (developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-project-roles).
   */
  appWithoutProjectAdmin = new Set<string>();
  private nextId = 20000;
  private failures: { method: string; pathPattern: RegExp; status: number; remaining: number }[] = [];

  reset(): void {
    this.users.clear();
    this.projects.clear();
    this.statuses.clear();
    this.issues.clear();
    this.workflow = [];
    this.roles = [];
    this.groups.clear();
    this.permissions.clear();
    this.calls = [];
    this.currentUser = null;
    this.appWithoutProjectAdmin.clear();
    this.failures = [];
  }

  actAs(accountId: string | null): void {
    this.currentUser = accountId;
  }

  grant(projectId: string, permission: ProjectPermission, ...accountIds: string[]): void {
    let byPermission = this.permissions.get(projectId);
    if (!byPermission) this.permissions.set(projectId, (byPermission = new Map()));
    let holders = byPermission.get(permission);
    if (!holders) byPermission.set(permission, (holders = new Set()));
    for (const id of accountIds) holders.add(id);
  }

  revoke(projectId: string, permission: ProjectPermission, accountId: string): void {
    this.permissions.get(projectId)?.get(permission)?.delete(accountId);
  }

  /** Makes matching requests answer with an error status (e.g. 500): `times` of them, or all until reset. */
  failRequests(method: string, pathPattern: RegExp, status = 500, times = Infinity): void {
    this.failures.push({ method, pathPattern, status, remaining: times });
  }

  issue(idOrKey: string): FakeIssue {
    const issue = this.findIssue(idOrKey);
    if (!issue) throw new Error(`fake Jira has no issue ${idOrKey}`);
    return issue;
  }

  counts(): JiraCallCounts {
    const asApp = this.calls.filter((c) => c.as === 'app').length;
    return { asApp, asUser: this.calls.length - asApp, total: this.calls.length };
  }

  resetCalls(): void {
    this.calls = [];
  }

  // ---- request handling ----------------------------------------------------------------------

  async request(as: 'app' | 'user', accountId: string | null, url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<FakeResponse> {
    await new Promise((resolve) => setImmediate(resolve));
    const parsed = new URL(url, SITE);
    const method = (init.method ?? 'GET').toUpperCase();
    const body = typeof init.body === 'string' && init.body !== '' ? (JSON.parse(init.body) as unknown) : undefined;
    this.calls.push({ as, accountId, method, path: parsed.pathname, query: parsed.searchParams, body });
    const failure = this.failures.find((f) => f.remaining > 0 && f.method === method && f.pathPattern.test(parsed.pathname));
    if (failure) {
      failure.remaining -= 1;
      return reply({ status: failure.status, body: { errorMessages: ['Injected failure'], errors: {} } });
    }
    if (as === 'user' && !accountId) return reply({ status: 401, body: { errorMessages: ['You are not authenticated.'], errors: {} } });
    return reply(this.route(as, accountId, method, parsed.pathname, parsed.searchParams, body));
  }

  private route(as: 'app' | 'user', accountId: string | null, method: string, path: string, query: URLSearchParams, body: unknown): Reply {
    const viewer = as === 'app' ? null : accountId;
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/rest/api/3/myself') return this.myself(viewer);
    if (method === 'GET' && path === '/rest/api/3/mypermissions') return this.myPermissions(viewer, query);
    if (method === 'GET' && path === '/rest/api/3/group/member') return this.groupMembers(query);
    if (method === 'GET' && path === '/rest/api/3/user') return this.user(query);
    if ((m = path.match(/^\/rest\/api\/3\/project\/([^/]+)$/)) && method === 'GET') return this.project(viewer, m[1] as string);
    if ((m = path.match(/^\/rest\/api\/3\/project\/([^/]+)\/role$/)) && method === 'GET') return this.projectRoles(as, viewer, m[1] as string);
    if ((m = path.match(/^\/rest\/api\/3\/project\/([^/]+)\/role\/(\d+)$/)) && method === 'GET') return this.projectRole(as, viewer, m[1] as string, Number(m[2]));
    if ((m = path.match(/^\/rest\/api\/3\/issue\/([^/]+)$/)) && method === 'GET') return this.getIssue(viewer, m[1] as string, query);
    if (method === 'POST' && path === '/rest/api/3/search/jql') return this.searchJql(viewer, body);
    if ((m = path.match(/^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/))) {
      if (method === 'GET') return this.getTransitions(viewer, m[1] as string);
      if (method === 'POST') return this.doTransition(viewer, m[1] as string, body);
    }
    if ((m = path.match(/^\/rest\/api\/3\/issue\/([^/]+)\/comment$/)) && method === 'POST') return this.addComment(as, viewer, m[1] as string, body);
    if ((m = path.match(/^\/rest\/api\/3\/issue\/([^/]+)\/properties\/([^/]+)$/))) {
      const [, idOrKey, propertyKey] = m as unknown as [string, string, string];
      if (method === 'PUT') return this.putProperty(viewer, idOrKey, decodeURIComponent(propertyKey), body);
      if (method === 'GET') return this.getProperty(viewer, idOrKey, decodeURIComponent(propertyKey));
    }
    return { status: 404, body: { errorMessages: [`fake Jira does not implement ${method} ${path}`], errors: {} } };
  }

  private myself(viewer: string | null): Reply {
    const user = viewer ? this.users.get(viewer) : undefined;
    if (!user) return { status: 401, body: { errorMessages: ['You are not authenticated.'], errors: {} } };
    return { status: 200, body: this.userJson(user, true) };
  }

  private myPermissions(viewer: string | null, query: URLSearchParams): Reply {
    const wanted = query.get('permissions');
    // Required since 1 February 2019 (change notice "Get my permissions requires permissions query parameter").
    if (!wanted) return { status: 400, body: { errorMessages: ['The permissions query parameter is required.'], errors: {} } };
    let projectId: string | null = null;
    const issueRef = query.get('issueId') ?? query.get('issueKey');
    const projectRef = query.get('projectId') ?? query.get('projectKey');
    if (issueRef) {
      const issue = this.findIssue(issueRef);
      if (!issue) return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
      projectId = issue.projectId;
    } else if (projectRef) {
      const project = this.findProject(projectRef);
      if (!project) return { status: 404, body: { errorMessages: [`No project could be found with id or key '${projectRef}'.`], errors: {} } };
      projectId = project.id;
    }
    const permissions: Record<string, unknown> = {};
    for (const key of wanted.split(',').map((k) => k.trim()).filter(Boolean)) {
      const known = PERMISSION_NAMES[key];
      if (!known) return { status: 400, body: { errorMessages: [`Invalid permission key: ${key}`], errors: {} } };
      const have = viewer !== null && projectId !== null && (this.permissions.get(projectId)?.get(key as ProjectPermission)?.has(viewer) ?? false);
      permissions[key] = { id: known.id, key, name: known.name, type: 'PROJECT', description: known.description, havePermission: have };
    }
    return { status: 200, body: { permissions } };
  }

  private groupMembers(query: URLSearchParams): Reply {
    const group = [...this.groups.values()].find((g) => g.groupId === query.get('groupId') || g.name === query.get('groupname'));
    if (!group) return { status: 404, body: { errorMessages: ['Specified group does not exist.'], errors: {} } };
    const startAt = Number(query.get('startAt') ?? 0);
    const maxResults = Math.min(50, Number(query.get('maxResults') ?? 50));
    const page = group.members.slice(startAt, startAt + maxResults);
    return {
      status: 200,
      body: {
        self: `${SITE}/rest/api/3/group/member?groupId=${group.groupId}&startAt=${startAt}&maxResults=${maxResults}`,
        maxResults,
        startAt,
        total: group.members.length,
        isLast: startAt + maxResults >= group.members.length,
        values: page.map((id) => this.userJson(this.users.get(id) ?? { accountId: id, displayName: id }, false)),
      },
    };
  }

  private user(query: URLSearchParams): Reply {
    const user = this.users.get(query.get('accountId') ?? '');
    if (!user) return { status: 404, body: { errorMessages: ['Specified user does not exist or you do not have required permissions'], errors: {} } };
    return { status: 200, body: this.userJson(user, false) };
  }

  private project(viewer: string | null, ref: string): Reply {
    const project = this.findProject(ref);
    if (!project || !this.canBrowse(viewer, project.id)) {
      return { status: 404, body: { errorMessages: [`No project could be found with key '${ref}'.`], errors: {} } };
    }
    return { status: 200, body: this.projectJson(project) };
  }

  /** Administer Projects in `projectId`, or in any project when it is null (what the role list asks for). */
  private mayAdminister(as: 'app' | 'user', viewer: string | null, projectId: string | null): boolean {
    const ids = projectId === null ? [...this.projects.keys()] : [projectId];
    if (as === 'app') return ids.some((id) => !this.appWithoutProjectAdmin.has(id));
    return viewer !== null && ids.some((id) => this.permissions.get(id)?.get('ADMINISTER_PROJECTS')?.has(viewer) ?? false);
  }

  private projectRoles(as: 'app' | 'user', viewer: string | null, ref: string): Reply {
    const project = this.findProject(ref);
    if (!project || !this.mayAdminister(as, viewer, null)) return { status: 404, body: { errorMessages: [`No project could be found with key '${ref}'.`], errors: {} } };
    const body: Record<string, string> = {};
    for (const role of this.roles.filter((r) => r.projectId === project.id)) body[role.name] = `${SITE}/rest/api/3/project/${project.id}/role/${role.id}`;
    return { status: 200, body };
  }

  private projectRole(as: 'app' | 'user', viewer: string | null, ref: string, roleId: number): Reply {
    const project = this.findProject(ref);
    const role = this.roles.find((r) => r.projectId === project?.id && r.id === roleId);
    if (!project || !role || !this.mayAdminister(as, viewer, project.id)) return { status: 404, body: { errorMessages: ['Can not retrieve a role actor for a null project role.'], errors: {} } };
    const actors = [
      ...role.users.map((id, i) => {
        const user = this.users.get(id) ?? { accountId: id, displayName: id };
        return { id: 30000 + i, displayName: user.displayName, type: 'atlassian-user-role-actor', actorUser: { accountId: id } };
      }),
      ...role.groupIds.map((groupId, i) => {
        const group = this.groups.get(groupId);
        return {
          id: 40000 + i,
          displayName: group?.name ?? groupId,
          type: 'atlassian-group-role-actor',
          name: group?.name ?? groupId,
          actorGroup: { name: group?.name ?? groupId, displayName: group?.name ?? groupId, groupId },
        };
      }),
    ];
    return {
      status: 200,
      body: { self: `${SITE}/rest/api/3/project/${project.id}/role/${role.id}`, name: role.name, id: role.id, description: `${role.name} of ${project.name}`, actors },
    };
  }

  private getIssue(viewer: string | null, ref: string, query: URLSearchParams): Reply {
    const issue = this.findIssue(ref);
    if (!issue || !this.canBrowse(viewer, issue.projectId)) {
      return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
    }
    const all = this.issueFields(issue);
    const requested = query.get('fields');
    const fields: Record<string, unknown> = {};
    if (requested === null || requested === '*all' || requested === '*navigable') Object.assign(fields, all);
    else for (const name of requested.split(',').map((f) => f.trim())) if (name in all) fields[name] = all[name];
    const body: Record<string, unknown> = { expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations', id: issue.id, self: `${SITE}/rest/api/3/issue/${issue.id}`, key: issue.key, fields };
    if ((query.get('expand') ?? '').split(',').includes('transitions')) body.transitions = this.transitionsOf(issue, viewer);
    return { status: 200, body };
  }

  private getTransitions(viewer: string | null, ref: string): Reply {
    const issue = this.findIssue(ref);
    if (!issue || !this.canBrowse(viewer, issue.projectId)) {
      return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
    }
    return { status: 200, body: { expand: 'transitions', transitions: this.transitionsOf(issue, viewer) } };
  }

  // POST /rest/api/3/issue/{id}/transitions (api-group-issues, "Transition issue"): 204 on
  // success; 400 when no transition is specified, when the user may not transition the issue, when
  // `fields`/`update` name a field that is not on the transition's screen, or when the request is
  // invalid for any other reason. A transition not available from the current status is such a
  // request: Jira only performs transitions "based on the issue's status" (Get transitions).
  private doTransition(viewer: string | null, ref: string, body: unknown): Reply {
    const issue = this.findIssue(ref);
    if (!issue || !this.canBrowse(viewer, issue.projectId)) {
      return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
    }
    const request = (body ?? {}) as { transition?: { id?: unknown }; fields?: Record<string, unknown>; update?: Record<string, unknown> };
    const transitionId = request.transition?.id;
    if (transitionId === undefined || transitionId === null || transitionId === '') return invalid('No transition was specified.');
    if (viewer !== null && !this.permissions.get(issue.projectId)?.get('TRANSITION_ISSUES')?.has(viewer)) {
      return invalid('You do not have permission to transition this issue.');
    }
    const target = this.transitionsOf(issue, viewer).find((t) => t.id === String(transitionId));
    if (!target) return invalid(`Transition id '${String(transitionId)}' is not valid for this issue.`);
    // None of the stand-in's transitions has a screen, so no field can be set through one.
    const screenFields = [...Object.keys(request.fields ?? {}), ...Object.keys(request.update ?? {})];
    if (screenFields.length > 0) return { status: 400, body: { errorMessages: [], errors: Object.fromEntries(screenFields.map((f) => [f, `Field '${f}' cannot be set. It is not on the appropriate screen, or unknown.`])) } };
    issue.statusId = target.to.id;
    return { status: 204 };
  }

  // POST /rest/api/3/issue/{id}/comment (api-group-issue-comments, "Add comment"): the body is an
  // Atlassian Document Format document; 400 "if the request is invalid". The document is checked
  // with @atlaskit/adf-utils' validator, the published ADF schema.
  private addComment(as: 'app' | 'user', viewer: string | null, ref: string, body: unknown): Reply {
    const issue = this.findIssue(ref);
    if (!issue || !this.canBrowse(viewer, issue.projectId)) {
      return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
    }
    const adf = (body as { body?: unknown } | undefined)?.body;
    if (adf === undefined || adf === null || adf === '') return { status: 400, body: { errorMessages: [], errors: { comment: 'Comment body can not be empty!' } } };
    const problems = findAdfProblems(adf);
    if (problems.length > 0) return { status: 400, body: { errorMessages: problems, errors: {} } };
    const comment = { id: String((this.nextId += 1)), authorId: viewer, body: adf, as };
    issue.comments.push(comment);
    return {
      status: 201,
      body: { self: `${SITE}/rest/api/3/issue/${issue.id}/comment/${comment.id}`, id: comment.id, body: adf, created: '2026-02-01T10:00:00.000+0000', updated: '2026-02-01T10:00:00.000+0000', jsdPublic: true },
    };
  }

  // POST /rest/api/3/search/jql (api-group-issue-search, enhanced search): the JQL must be bounded
  // ("a query with a search restriction"; `order by key desc` alone is refused); up to 5 issue
  // properties per request; pages continue with `nextPageToken`, absent on the last page. The
  // stand-in evaluates only the restrictions the app sends and refuses any other JQL.
  private searchJql(viewer: string | null, body: unknown): Reply {
    const request = (body ?? {}) as { jql?: unknown; maxResults?: unknown; nextPageToken?: unknown; fields?: unknown; properties?: unknown };
    const jql = typeof request.jql === 'string' ? request.jql.trim() : '';
    const [restriction = '', order = ''] = jql.split(/\s+order\s+by\s+/i);
    if (restriction.trim() === '' || /^order\s+by\s/i.test(jql)) {
      return invalid('Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
    }
    if (!/^created\s*<=\s*now\(\)$/i.test(restriction.trim()) || (order !== '' && !/^created\s+asc(,\s*id\s+asc)?$/i.test(order.trim()))) {
      return invalid(`The stand-in cannot evaluate the JQL "${jql}".`);
    }
    const properties = Array.isArray(request.properties) ? request.properties.map(String) : [];
    if (properties.length > 5) return invalid('A maximum of 5 issue properties can be requested.');
    const maxResults = Math.max(1, Math.min(5000, Number(request.maxResults ?? 50) || 50));
    const offset = typeof request.nextPageToken === 'string' ? decodePageToken(request.nextPageToken) : 0;
    if (offset === null) return invalid('The provided next page token is invalid or expired.');
    const matching = [...this.issues.values()].filter((i) => this.canBrowse(viewer, i.projectId));
    const page = matching.slice(offset, offset + maxResults);
    const requested = Array.isArray(request.fields) ? request.fields.map(String) : ['id'];
    const issues = page.map((issue) => {
      const all = this.issueFields(issue);
      const fields = Object.fromEntries(requested.filter((f) => f in all).map((f) => [f, all[f]]));
      const props = Object.fromEntries(properties.filter((k) => k in issue.properties).map((k) => [k, issue.properties[k]]));
      return { id: issue.id, key: issue.key, self: `${SITE}/rest/api/3/issue/${issue.id}`, fields, ...(properties.length > 0 ? { properties: props } : {}) };
    });
    const next = offset + page.length;
    return { status: 200, body: { issues, isLast: next >= matching.length, ...(next < matching.length ? { nextPageToken: encodePageToken(next) } : {}) } };
  }

  // PUT /rest/api/3/issue/{id}/properties/{key} (api-group-issue-properties, "Set issue
  // property"): the key is at most 255 characters; the value must be a valid, non-empty JSON value
  // of at most 32768 bytes; 400 otherwise, 403 without Edit issues.
  private putProperty(viewer: string | null, ref: string, key: string, body: unknown): Reply {
    const issue = this.findIssue(ref);
    if (!issue || !this.canBrowse(viewer, issue.projectId)) {
      return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
    }
    if (viewer !== null && !this.permissions.get(issue.projectId)?.get('EDIT_ISSUES')?.has(viewer)) {
      return { status: 403, body: { errorMessages: ['You do not have permission to edit the issue.'], errors: {} } };
    }
    if (key.length > 255) return invalid('The property key cannot be longer than 255 characters.');
    if (body === undefined) return invalid('The property value must be a valid, non-empty JSON value.');
    if (Buffer.byteLength(JSON.stringify(body), 'utf8') > 32768) return invalid('The property value cannot be longer than 32768 bytes.');
    const existed = key in issue.properties;
    issue.properties[key] = body;
    return { status: existed ? 200 : 201 };
  }

  private getProperty(viewer: string | null, ref: string, key: string): Reply {
    const issue = this.findIssue(ref);
    if (!issue || !this.canBrowse(viewer, issue.projectId) || !(key in issue.properties)) {
      return { status: 404, body: { errorMessages: ['The property was not found.'], errors: {} } };
    }
    return { status: 200, body: { key, value: issue.properties[key] } };
  }

  // ---- shapes --------------------------------------------------------------------------------

  private issueFields(issue: FakeIssue): Record<string, unknown> {
    const project = this.projects.get(issue.projectId);
    const status = this.statuses.get(issue.statusId);
    const assignee = issue.assigneeId ? this.users.get(issue.assigneeId) : undefined;
    return {
      summary: issue.summary,
      issuetype: { self: `${SITE}/rest/api/3/issuetype/10001`, id: '10001', description: '', name: issue.issueType, subtask: false, hierarchyLevel: 0 },
      project: project ? this.projectJson(project) : null,
      status: status ? this.statusJson(status) : null,
      assignee: assignee ? this.userJson(assignee, false) : null,
      description: issue.description,
      created: '2026-01-20T15:58:12.797+0000',
      updated: '2026-02-01T09:00:00.000+0000',
    };
  }

  // GET transitions: those available from the issue's status; none listed for a user without
  // Transition issues ("the response will not list any transitions").
  private transitionsOf(issue: FakeIssue, viewer: string | null = null) {
    if (viewer !== null && !this.permissions.get(issue.projectId)?.get('TRANSITION_ISSUES')?.has(viewer)) return [];
    return this.workflow
      .filter((t) => (t.from.length === 0 ? t.to !== issue.statusId : t.from.includes(issue.statusId)))
      .flatMap((t) => {
        const status = this.statuses.get(t.to);
        if (!status) return [];
        return [{ id: t.id, name: t.name, to: this.statusJson(status), hasScreen: false, isGlobal: t.from.length === 0, isInitial: false, isAvailable: true, isConditional: false, isLooped: false }];
      });
  }

  private statusJson(status: FakeStatus) {
    return { self: `${SITE}/rest/api/3/status/${status.id}`, description: '', iconUrl: `${SITE}/images/icons/statuses/generic.png`, name: status.name, id: status.id, statusCategory: CATEGORY[status.category] };
  }

  private projectJson(project: FakeProject) {
    return { self: `${SITE}/rest/api/3/project/${project.id}`, id: project.id, key: project.key, name: project.name, projectTypeKey: 'software', simplified: false, style: 'classic' };
  }

  private userJson(user: FakeUser, withEmail: boolean) {
    return {
      self: `${SITE}/rest/api/3/user?accountId=${user.accountId}`,
      accountId: user.accountId,
      accountType: 'atlassian',
      ...(withEmail && user.emailAddress ? { emailAddress: user.emailAddress } : {}),
      displayName: user.displayName,
      active: true,
      timeZone: 'Europe/Berlin',
    };
  }

  private canBrowse(viewer: string | null, projectId: string): boolean {
    return viewer === null || (this.permissions.get(projectId)?.get('BROWSE_PROJECTS')?.has(viewer) ?? false);
  }

  private findIssue(ref: string): FakeIssue | undefined {
    return this.issues.get(ref) ?? [...this.issues.values()].find((i) => i.key === ref);
  }

  private findProject(ref: string): FakeProject | undefined {
    return this.projects.get(ref) ?? [...this.projects.values()].find((p) => p.key === ref);
  }
}

interface FakeResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null; has(name: string): boolean };
  json(): Promise<unknown>;
  text(): Promise<string>;
}

function reply({ status, body }: Reply): FakeResponse {
  const text = body === undefined ? '' : JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: String(status),
    headers: { get: (name) => (name.toLowerCase() === 'content-type' && text ? 'application/json' : null), has: (name) => name.toLowerCase() === 'content-type' && text !== '' },
    json: async () => JSON.parse(text) as unknown,
    text: async () => text,
  };
}

/** Jira's error collection with one message, answered with 400. */
function invalid(message: string): Reply {
  return { status: 400, body: { errorMessages: [message], errors: {} } };
}

type AdfValidate = ReturnType<typeof import('@atlaskit/adf-utils/validator').validator>;
let validateAdf: AdfValidate | null = null;

/**
 * Built on first use: building it loads the whole ADF schema. Its feature gates read Atlassian's
 * feature-flag client, which no test initialises; resolving every flag to false keeps the
 * published schema's behaviour and the test output quiet.
 */
function adfValidator(): AdfValidate {
  if (!validateAdf) {
    jest.requireActual<{ setBooleanFeatureFlagResolver: (resolve: (flag: string) => boolean) => void }>('@atlaskit/platform-feature-flags').setBooleanFeatureFlagResolver(() => false);
    validateAdf = jest.requireActual<typeof import('@atlaskit/adf-utils/validator')>('@atlaskit/adf-utils/validator').validator();
  }
  return validateAdf;
}

/** Every way the document breaks the ADF schema (empty when it is a valid document). */
export function findAdfProblems(document: unknown): string[] {
  if (typeof document !== 'object' || document === null || (document as { type?: unknown }).type !== 'doc') return ['The comment body must be an Atlassian Document Format document.'];
  const problems: string[] = [];
  try {
    // With an error callback the validator reports each problem (and drops the node) instead of throwing.
    adfValidator()(document as Parameters<AdfValidate>[0], (_entity, error) => {
      problems.push(`${error.code}: ${error.message}`);
      return undefined;
    });
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  return problems;
}

function encodePageToken(offset: number): string {
  return Buffer.from(`page:${offset}`, 'utf8').toString('base64url');
}

function decodePageToken(token: string): number | null {
  const match = /^page:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}

// ---- fixtures ----------------------------------------------------------------------------------

export const PEOPLE = {
  anna: { accountId: '5b10a2844c20165700ede21g', displayName: 'Anna Product Owner', emailAddress: 'anna@client.example' },
  ravi: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Ravi Engineer', emailAddress: null },
  olga: { accountId: '6e2f4a1c9b8d7e6f5a4b3c2d', displayName: 'Olga Outsider', emailAddress: null },
  pat: { accountId: '712020:0c2f7a33-9a1e-4c55-b3b0-5f2b1d7f0a11', displayName: 'Pat Project Admin', emailAddress: 'pat@vendor.example' },
  gina: { accountId: '712020:8a8c1d2e-3f4a-4b5c-9d6e-7f8a9b0c1d2e', displayName: 'Gina Group Approver', emailAddress: null },
} satisfies Record<string, FakeUser>;

export const PROJ = { id: '10000', key: 'PROJ', name: 'Invoicing Portal' };
export const OTHER = { id: '10001', key: 'OPS', name: 'Operations' };
export const STATUS = {
  todo: { id: '10000', name: 'To Do', category: 'new' },
  inProgress: { id: '3', name: 'In Progress', category: 'indeterminate' },
  review: { id: '10002', name: 'In Review', category: 'indeterminate' },
  done: { id: '10001', name: 'Done', category: 'done' },
  /** Done too, and a dead end: no transition leaves it. */
  closed: { id: '10003', name: 'Closed', category: 'done' },
} satisfies Record<string, FakeStatus>;

/**
 * The seeded workflow. Transition ids are numbers as Jira's are; "Done" leaves In Progress and In
 * Review; Closed has no way out.
 */
export const TRANSITION = {
  start: { id: '11', name: 'Start progress', from: [STATUS.todo.id], to: STATUS.inProgress.id },
  review: { id: '21', name: 'Submit for review', from: [STATUS.inProgress.id], to: STATUS.review.id },
  done: { id: '31', name: 'Done', from: [STATUS.inProgress.id, STATUS.review.id], to: STATUS.done.id },
  stop: { id: '41', name: 'Stop progress', from: [STATUS.inProgress.id], to: STATUS.todo.id },
  changes: { id: '51', name: 'Request changes', from: [STATUS.review.id], to: STATUS.inProgress.id },
  reopen: { id: '61', name: 'Reopen', from: [STATUS.done.id], to: STATUS.inProgress.id },
  close: { id: '71', name: 'Close', from: [STATUS.done.id], to: STATUS.closed.id },
} satisfies Record<string, FakeTransition>;

/**
 * Seeds a site: project PROJ with story PROJ-12 (assigned to Ravi, In Progress) and task
 * PROJ-13; project OPS. Anna holds the "Client approvers" role (and may edit), Gina is an
 * approver through a group, Ravi may edit, Olga may only browse, Pat administers PROJ.
 */
export function seedJira(jira: FakeJira): void {
  for (const user of Object.values(PEOPLE)) jira.users.set(user.accountId, user);
  jira.projects.set(PROJ.id, PROJ);
  jira.projects.set(OTHER.id, OTHER);
  for (const status of Object.values(STATUS)) jira.statuses.set(status.id, status);
  jira.workflow = Object.values(TRANSITION).map((t) => ({ ...t, from: [...t.from] }));
  const all = Object.values(PEOPLE).map((p) => p.accountId);
  for (const project of [PROJ.id, OTHER.id]) {
    jira.grant(project, 'BROWSE_PROJECTS', ...all);
    jira.grant(project, 'TRANSITION_ISSUES', ...all);
  }
  jira.grant(PROJ.id, 'EDIT_ISSUES', PEOPLE.anna.accountId, PEOPLE.ravi.accountId, PEOPLE.pat.accountId, PEOPLE.gina.accountId);
  jira.grant(PROJ.id, 'ADMINISTER_PROJECTS', PEOPLE.pat.accountId);
  jira.grant(OTHER.id, 'EDIT_ISSUES', PEOPLE.ravi.accountId);
  jira.groups.set('grp-client', { groupId: 'grp-client', name: 'client-reviewers', members: [PEOPLE.gina.accountId] });
  jira.roles.push(
    { id: 10002, name: 'Administrators', projectId: PROJ.id, users: [PEOPLE.pat.accountId], groupIds: [] },
    { id: 10100, name: 'Client approvers', projectId: PROJ.id, users: [PEOPLE.anna.accountId], groupIds: ['grp-client'] },
    { id: 10101, name: 'Developers', projectId: PROJ.id, users: [PEOPLE.ravi.accountId], groupIds: [] },
  );
  jira.issues.set('10042', {
    id: '10042',
    key: 'PROJ-12',
    projectId: PROJ.id,
    summary: 'Export invoices as PDF',
    issueType: 'Story',
    statusId: STATUS.inProgress.id,
    assigneeId: PEOPLE.ravi.accountId,
    description: null,
    properties: {},
    comments: [],
  });
  jira.issues.set('10043', {
    id: '10043',
    key: 'PROJ-13',
    projectId: PROJ.id,
    summary: 'Rename the settings menu',
    issueType: 'Task',
    statusId: STATUS.todo.id,
    assigneeId: null,
    description: null,
    properties: {},
    comments: [],
  });
}

let jira: FakeJira | null = null;

/** The shared fake site (one per test file). */
export function fakeJira(): FakeJira {
  jira ??= new FakeJira();
  return jira;
}

/** Resets the fake site to the seeded fixtures; call it in beforeEach. */
export function installForgeApiMock(): FakeJira {
  const site = fakeJira();
  site.reset();
  seedJira(site);
  return site;
}

/** The module that replaces @forge/api (the real `route` and helpers, fake requests). */
export function mockForgeApiModule(): Record<string, unknown> {
  const actual = jest.requireActual<Record<string, unknown>>('@forge/api');
  const { requireSafeUrl } = jest.requireActual<{ requireSafeUrl: (url: unknown) => { value: string } }>('@forge/api/out/safeUrl');
  const methods = (as: 'app' | 'user', explicitUser?: string) => ({
    requestJira: (url: unknown, init?: { method?: string; body?: unknown; headers?: Record<string, string> }) =>
      fakeJira().request(as, as === 'app' ? null : (explicitUser ?? fakeJira().currentUser), requireSafeUrl(url).value, init),
    requestConfluence: () => Promise.reject(new Error('fake @forge/api: Confluence is not part of this app')),
  });
  const asApp = () => methods('app');
  const asUser = (userId?: string) => methods('user', userId);
  const requestJira = () => Promise.reject(new Error('fake @forge/api: call asApp() or asUser() explicitly'));
  return { __esModule: true, ...actual, asApp, asUser, requestJira, default: { ...(actual.default as object), asApp, asUser, requestJira } };
}
