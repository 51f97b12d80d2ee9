// What the adapter reads from and does to Linear. `linear-gateway.ts` implements it with the
// real @linear/sdk; nothing else in the adapter talks to Linear.

export interface LinearUser {
  id: string;
  name: string;
  email: string | null;
  /**
   * `User.admin`: a workspace administrator (on Linear's Free plan every member is one). Absent
   * when not read: then the user is not taken for an admin.
   */
  admin?: boolean;
}

export interface LinearWorkflowState {
  id: string;
  name: string;
  /** triage | backlog | unstarted | started | completed | canceled | duplicate */
  type: string;
}

export interface LinearIssue {
  id: string;
  identifier: string;
  title: string;
  description: string | null;
  teamId: string;
  teamKey: string;
  state: LinearWorkflowState;
  assigneeId: string | null;
  labels: { id: string; name: string }[];
  updatedAt: string;
}

export interface IssuePage {
  issues: LinearIssue[];
  nextCursor: string | null;
}

export type SendOutcome =
  | { ok: true }
  /** Retry later; `retryAfterMs` when Linear said how long to wait (rate limiting). */
  | { ok: false; retryable: true; retryAfterMs: number | null; message: string }
  | { ok: false; retryable: false; message: string };

export interface SendOptions {
  /**
   * Whether an earlier claim may have sent this action (a crash, a lost answer). Only then does a
   * revert read the issue first to avoid sending it twice. Default true: the safe side.
   */
  mayHaveBeenSent?: boolean;
}

export interface LinearGateway {
  /** The API key's own user: changes it makes are Scopekeeper's and are never reacted to. Remembered; `fresh` reads it again (a probe). */
  fetchViewer(fresh?: boolean): Promise<LinearUser>;
  fetchIssue(id: string): Promise<LinearIssue | null>;
  fetchUser(id: string): Promise<LinearUser | null>;
  /** A team's issues, optionally only those updated since a time; paginated by Linear's cursor. */
  listTeamIssues(query: { teamKey: string; updatedSince?: string; after?: string | null; first?: number }): Promise<IssuePage>;
  findTeam(key: string): Promise<{ id: string; key: string; name: string } | null>;
  send(action: import('./linear-action').LinearAction, options?: SendOptions): Promise<SendOutcome>;
}
