import { asApp, asUser, type APIResponse } from '@forge/api';
import type { z } from 'zod';
import { parseWith } from '../../core/parse-with';
import { describeError } from '../../store/report-fault';

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

/** What Forge's Jira reads recovered from, counted so a test or an operator can see it happened. Each is also logged. */
export interface JiraReadStats {
  /** Answers whose body was not JSON (a proxy's error page, say): kept as text, which no body schema accepts. */
  unparsedBodies: number;
  /** People named in events whose display name could not be read: recorded by account id alone. */
  unnamedUsers: number;
}

export const jiraReadStats: JiraReadStats = { unparsedBodies: 0, unnamedUsers: 0 };

/** Forge keeps what a function writes to the console: the same line as deps.log writes. */
export function warnAboutJira(message: string, error?: unknown): void {
  console.warn(`[scopekeeper] ${message}`, describeError(error));
}

/** Reads a Jira Cloud REST answer; non-2xx answers come back as values, not exceptions. */
export async function readJiraReply(response: Promise<APIResponse>): Promise<JiraReply> {
  const answered = await response;
  const text = await answered.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch (error) {
      // Callers check bodies with schemas, so the text fails there with its path; the status stands.
      body = text;
      jiraReadStats.unparsedBodies += 1;
      warnAboutJira(`Jira answered ${answered.status} with a body that is not JSON (${text.slice(0, 80)})`, error);
    }
  }
  return { ok: answered.ok, status: answered.status, body };
}

/** A Jira body checked against its schema; anything else is an error naming what and the path. */
export function readJiraBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = parseWith(schema, body);
  if (!parsed.ok) throw new Error(`Jira answered ${what} in a shape Scopekeeper cannot read: ${parsed.errors.join('; ')}`);
  return parsed.value;
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
