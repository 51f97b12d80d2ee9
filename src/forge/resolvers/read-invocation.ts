// The identity and location of a resolver call, from the Forge invocation context only: the
// Resolver puts the principal's accountId into context.accountId, and the module's extension
// context says which issue or project the UI is showing. Never from the frontend payload.

export interface Invocation {
  accountId: string | null;
  issue: { id: string; key: string; type: string | null } | null;
  project: { id: string; key: string } | null;
}

export function readInvocation(request: { context?: unknown }): Invocation {
  const context = (request.context ?? {}) as { accountId?: unknown; extension?: { issue?: Record<string, unknown>; project?: Record<string, unknown> } };
  const issue = context.extension?.issue;
  const project = context.extension?.project;
  return {
    accountId: typeof context.accountId === 'string' && context.accountId !== '' ? context.accountId : null,
    issue:
      issue && typeof issue.id === 'string' && typeof issue.key === 'string'
        ? { id: issue.id, key: issue.key, type: typeof issue.type === 'string' ? issue.type : null }
        : null,
    project: project && typeof project.id === 'string' && typeof project.key === 'string' ? { id: project.id, key: project.key } : null,
  };
}
