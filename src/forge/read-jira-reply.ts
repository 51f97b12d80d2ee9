import { asApp, asUser, type APIResponse } from '@forge/api';

export type JiraIdentity = 'app' | 'user';

export interface JiraReply {
  ok: boolean;
  status: number;
  /** Parsed JSON body; null when the response had none. */
  body: unknown;
}

/**
 * Who a Jira call acts as. `user`: the user of the current invocation, with their own
 * permissions. `app`: the app itself, which workflow validators and triggers must use since
 * nobody is there to consent. Call sites write `pickRequester(x).requestJira(route\`…\`, { method: … })`
 * in full, so `forge lint` can check every endpoint against the manifest's scopes.
 */
export function pickRequester(as: JiraIdentity) {
  return as === 'app' ? asApp() : asUser();
}

/** Headers for a JSON request body. */
export const JSON_HEADERS = { Accept: 'application/json', 'Content-Type': 'application/json' };

/** Reads a Jira Cloud REST answer; non-2xx answers come back as values, not exceptions. */
export async function readJiraReply(response: Promise<APIResponse>): Promise<JiraReply> {
  const answered = await response;
  const text = await answered.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { ok: answered.ok, status: answered.status, body };
}

/** Raised for Jira answers no caller can act on (5xx, unexpected 4xx): resolvers turn it into a refusal. */
export class JiraUnavailableError extends Error {
  constructor(
    readonly what: string,
    readonly status: number,
  ) {
    super(`Jira answered ${status} to ${what}`);
  }
}
