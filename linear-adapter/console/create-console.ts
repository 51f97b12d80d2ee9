import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { Logger } from 'pino';
import { attachReason } from '../../src/core/attach-reason';
import { checkBaselineAuthority } from '../../src/core/check-baseline-authority';
import { isListedApprover } from '../../src/core/check-sign-off-authority';
import { createBaseline } from '../../src/core/create-baseline';
import { diffScope } from '../../src/core/diff-scope';
import { encodeHistoryCursor } from '../../src/core/encode-history-cursor';
import { recordSettingsChange } from '../../src/core/record-settings-change';
import type { Baseline, ClosurePolicy, HistoryRecord } from '../../src/core/schemas';
import { snapshotScope } from '../../src/core/snapshot-scope';
import type { ConsoleScopeStore, HistoryQuery } from '../../src/core/store';
import { buildEvidenceBundle, listSignatures } from '../../src/reports/build-evidence-bundle';
import { buildHistoryRow } from '../../src/reports/build-history-row';
import { streamHistoryExport, type HistoryExportFormat } from '../../src/reports/stream-history-export';
import { verifyContinuation } from '../../src/reports/tally-signals';
import { canSeeTeam, TOKEN_ACTOR, type ConsoleIdentity } from './console-identity';
import { CONSOLE_CSS } from './console-css';
import { createSessionStore, type ConsoleSession, type SessionStore } from './create-session-store';
import { html, type SafeHtml } from './html';
import type { ConsoleConfig } from './load-console-config';
import { readConsoleTeams, type ConsoleTeam } from './read-console-teams';
import { readHistoryFilter, type HistoryFilter } from './read-history-filter';
import { readSettingsForm, readTeamSettings, settingsFromPolicy, toSettingValues } from './read-team-settings';
import { scopeSettingsCacheOf } from '../decide/cache-scope-settings';
import { readTeamSummary, type TeamSummaryMemo } from './read-team-summary';
import { renderComparePage } from './render-compare-page';
import { renderEvidencePage } from './render-evidence-page';
import { renderHistoryPage } from './render-history-page';
import { renderLayout } from './render-layout';
import { renderOverviewPage } from './render-overview-page';
import { renderSettingsPage } from './render-settings-page';
import { renderSignInPage } from './render-sign-in-page';
import { renderTeamPage } from './render-team-page';
import type { LinearOAuth } from './create-linear-oauth';

export interface ConsoleDeps {
  store: ConsoleScopeStore;
  /** The console token (ensureConsoleToken): signs in by URL, and is the Bearer token of /api/. */
  token: string;
  config: ConsoleConfig;
  /** The environment's closure policy (buildClosurePolicy): every team's default settings. */
  policyDefaults: ClosurePolicy;
  logger: Logger;
  /** Unix milliseconds. */
  now?: () => number;
  newId?: () => string;
  /** Sign in with Linear, when LINEAR_OAUTH_CLIENT_ID is set. */
  oauth?: LinearOAuth | null;
  /**
   * A download whose client reads nothing for this long is closed (default 60 s): on PostgreSQL
   * an export holds a database connection and its snapshot until it ends, and a client that
   * stopped reading would otherwise hold them for good.
   */
  stalledDownloadMs?: number;
}

export interface Console {
  /** Answers every request the webhook, /healthz and /metrics routes do not take. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  sessions: SessionStore;
  /** The one-time sign-in address printed at start. */
  describeSignIn(listenUrl: string): string;
}

type Body = string | AsyncIterable<string>;
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: Body;
}

const FORM_MAX_BYTES = 64 * 1024;
const HISTORY_PAGE_SIZE = 50;
const EVIDENCE_PAGE_ROWS = 1000;
// No script at all: every page is server-rendered HTML and forms, so nothing user-written can run.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Raised inside a handler for an answer that is not a page (refusals, redirects); caught in `handle`. */
class Refusal {
  constructor(readonly answer: Answer) {}
}

/**
 * The delivery manager's console: server-rendered pages, the /api/ exports, sign-in by token or
 * with Linear, sessions in memory, a CSRF token in every form, a strict CSP
 * (docs/adr/0011-console-web-stack.md). Every write is an approver's and a history record.
 */
export function createConsole(deps: ConsoleDeps): Console {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const sessions = createSessionStore({
    store: deps.store, ttlMs: deps.config.SCOPEKEEPER_SESSION_HOURS * 3_600_000, now,
    onUnreadable: (message) => deps.logger.warn(message),
  });
  const secure = deps.config.SCOPEKEEPER_PUBLIC_URL?.startsWith('https://') ?? false;
  // __Host-: only over HTTPS, for this host and path / only.
  const cookieName = secure ? '__Host-scopekeeper_session' : 'scopekeeper_session';
  const tokenDigest = createHash('sha256').update(deps.token).digest();

  const isToken = (candidate: string | null | undefined): boolean =>
    typeof candidate === 'string' && candidate !== '' && timingSafeEqual(createHash('sha256').update(candidate).digest(), tokenDigest);

  const sessionCookie = (value: string, maxAgeSeconds: number) =>
    serializeCookie(cookieName, value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: maxAgeSeconds });

  const startSession = async (identity: ConsoleIdentity, next: string): Promise<Answer> => {
    const session = await sessions.create(identity);
    return { status: 303, headers: { location: safeNext(next), 'set-cookie': sessionCookie(session.id, deps.config.SCOPEKEEPER_SESSION_HOURS * 3600) } };
  };

  const page = (status: number, title: string, session: ConsoleSession | null, body: SafeHtml): Answer => ({
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: renderLayout({ title, session, body }),
  });
  const problem = (status: number, session: ConsoleSession | null, message: string, back: string): Answer =>
    page(status, status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Nothing was saved', session, htmlMessage(message, back));

  const findTeam = async (identity: ConsoleIdentity, key: string, session: ConsoleSession | null): Promise<ConsoleTeam> => {
    const teams = await readConsoleTeams(deps.store, identity);
    const team = teams.find((t) => t.key.toLowerCase() === key.toLowerCase());
    // One answer for "no such team" and "not yours": a member of A learns nothing about B.
    if (!team || !canSeeTeam(identity, team.id)) {
      throw new Refusal(
        session
          ? problem(404, session, `There is no team ${key} among your teams.`, '/')
          : json(404, { error: `There is no team ${key} among the teams you may see.` }),
      );
    }
    return team;
  };

  /** Whether the identity may write on the team: an approver, or (no approvers listed) the operator; settings also the operator always. */
  const mayWrite = async (identity: ConsoleIdentity, team: ConsoleTeam, what: 'records' | 'settings') => {
    const reading = await readTeamSettings(deps.store, team.scopeId, deps.policyDefaults);
    if (what === 'settings' && identity.kind === 'token') return { ok: true as const, reading };
    if (what === 'settings' && reading.ok && isListedApprover(identity.actor, reading.policy)) return { ok: true as const, reading };
    const authority = checkBaselineAuthority({
      actor: identity.actor,
      roles: [],
      policy: reading.ok ? { ok: true, value: reading.policy } : { ok: false, errors: reading.errors },
      isAdministrator: identity.kind === 'token',
    });
    return authority.ok ? { ok: true as const, reading } : { ok: false as const, reading, message: authority.message };
  };

  // Keys only (not whole states), and on a page only those of the records it shows.
  const readKeys = (team: ConsoleTeam, records?: readonly HistoryRecord[]) =>
    deps.store.readDeliverableKeys(team.scopeId, records?.flatMap((r) => (r.deliverableId ? [r.deliverableId] : [])));
  const summaries: TeamSummaryMemo = new Map();

  const toQuery = async (team: ConsoleTeam, filter: HistoryFilter): Promise<Omit<HistoryQuery, 'scopeId'> | null> => {
    let deliverableId: string | undefined;
    if (filter.deliverableKey) {
      const match = await deps.store.findDeliverableIdByKey(team.scopeId, filter.deliverableKey);
      // A key the team never had matches nothing, not everything.
      if (!match) return null;
      deliverableId = match;
    }
    return {
      ...(deliverableId ? { deliverableId } : {}),
      ...(filter.kinds ? { kinds: filter.kinds } : {}),
      ...(filter.authorId ? { authorId: filter.authorId } : {}),
      ...(filter.from ? { from: filter.from } : {}),
      ...(filter.to ? { to: filter.to } : {}),
      undocumentedOnly: filter.undocumentedOnly,
    };
  };

  const findBaseline = async (team: ConsoleTeam, name: string | null): Promise<Baseline | null> => {
    if (!name) return null;
    const baselines = await deps.store.listBaselines(team.scopeId);
    return baselines.find((b) => b.name.toLowerCase() === name.trim().toLowerCase()) ?? null;
  };

  /** Seq of a baseline's baseline_created record (its id is the baseline's: createBaseline). */
  const findBaselineSeq = async (team: ConsoleTeam, baseline: Baseline): Promise<number> => {
    let cursor: string | null = null;
    do {
      const found: { records: HistoryRecord[]; nextCursor: string | null } = await deps.store.queryHistory({ scopeId: team.scopeId, kinds: ['baseline_created'], cursor, limit: 100 });
      const record = found.records.find((r) => r.kind === 'baseline_created' && r.data.baselineId === baseline.id);
      if (record) return record.seq;
      cursor = found.nextCursor;
    } while (cursor);
    throw new Error(`baseline ${baseline.id} of scope ${team.scopeId} has no baseline_created record`);
  };

  // ---- API (Bearer token or session; read only) ----

  const handleApi = async (req: IncomingMessage, url: URL, session: ConsoleSession | null): Promise<Answer> => {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const identity: ConsoleIdentity | null = isToken(bearer) ? { kind: 'token', actor: TOKEN_ACTOR } : (session?.identity ?? null);
    if (!identity) return json(401, { error: 'Sign in first: send Authorization: Bearer <console token> (the file console-token in the data directory), or sign in to the console.' }, { 'www-authenticate': 'Bearer' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'The API is read only: use GET.' }, { allow: 'GET, HEAD' });
    if (url.pathname === '/api/teams') {
      const teams = await readConsoleTeams(deps.store, identity);
      return json(200, { teams: teams.map(({ id, key, name }) => ({ id, key, name })) });
    }
    const match = /^\/api\/teams\/([^/]+)\/(history\.csv|history\.jsonl|evidence\.json)$/.exec(url.pathname);
    if (!match) return json(404, { error: `No API route ${url.pathname}. Try /api/teams, /api/teams/{key}/history.csv, history.jsonl or evidence.json?baseline=<name>.` });
    const team = await findTeam(identity, decodeURIComponent(match[1]!), null);
    const keys = await readKeys(team);
    if (match[2] === 'evidence.json') {
      const baseline = await findBaseline(team, url.searchParams.get('baseline'));
      if (!baseline) return json(404, { error: `Team ${team.key} has no baseline named "${url.searchParams.get('baseline') ?? ''}". Pass ?baseline=<name>, e.g. ?baseline=SRS%20v1.0.` });
      const fromSeq = await findBaselineSeq(team, baseline);
      const body = buildEvidenceBundle({
        scope: { id: team.scopeId, key: team.key, name: team.name },
        baseline,
        pages: deps.store.readHistoryPagesSince(team.scopeId, fromSeq),
        keys,
        generatedAt: new Date(now()).toISOString(),
      });
      return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'content-disposition': attachment(`${team.key}-${baseline.name}-evidence.json`) }, body };
    }
    const filter = readHistoryFilter(url.searchParams);
    if (!filter.ok) return json(400, { error: 'Some filters could not be read.', errors: filter.errors });
    const query = await toQuery(team, filter.value);
    const format: HistoryExportFormat = match[2] === 'history.csv' ? 'csv' : 'jsonl';
    const body = streamHistoryExport(
      {
        pages: query ? deps.store.readHistoryPagesSince(team.scopeId, 0) : emptyPages(),
        findUndocumented: (records) => deps.store.findUndocumented(team.scopeId, records),
        keys,
      },
      format,
      query ?? {},
    );
    return {
      status: 200,
      headers: {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/jsonl; charset=utf-8',
        'content-disposition': attachment(`${team.key}-history.${format}`),
      },
      body,
    };
  };

  // ---- pages ----

  const handlePage = async (req: IncomingMessage, url: URL, session: ConsoleSession): Promise<Answer> => {
    const { identity } = session;
    const notice = noticeText(url.searchParams.get('saved'));
    if (url.pathname === '/' && req.method === 'GET') {
      const teams = await readConsoleTeams(deps.store, identity);
      const read = await Promise.all(teams.map((team) => readTeamSummary(deps.store, team, deps.policyDefaults, summaries)));
      return page(200, 'Teams', session, renderOverviewPage(read));
    }
    const match = /^\/teams\/([^/]+)(\/(?:history|compare|settings|evidence|reasons|baselines))?$/.exec(url.pathname);
    if (!match) return problem(404, session, `There is no page ${url.pathname}.`, '/');
    const team = await findTeam(identity, decodeURIComponent(match[1]!), session);
    const sub = match[2] ?? '';
    const base = `/teams/${encodeURIComponent(team.key)}`;

    if (req.method === 'POST') {
      const form = await readForm(req);
      if (!form.ok) return problem(form.status, session, form.message, base);
      if (!isCsrfValid(form.value.get('csrf'), session.csrfToken)) {
        return problem(403, session, 'This form did not come from a console page of your session (it may have expired). Reload the page and send it again.', base);
      }
      if (sub === '/reasons') return saveReason(session, team, form.value, base);
      if (sub === '/baselines') return saveBaseline(session, team, form.value, base);
      if (sub === '/settings') return saveSettings(session, team, form.value, base);
      return { status: 405, headers: { allow: 'GET' }, body: 'Use GET.' };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: { allow: 'GET, POST' }, body: 'Use GET or POST.' };

    if (sub === '') {
      const [summary, bypasses, writable] = await Promise.all([
        readTeamSummary(deps.store, team, deps.policyDefaults, summaries),
        readBypasses(team),
        mayWrite(identity, team, 'records'),
      ]);
      return page(
        200,
        `Team ${team.key}`,
        session,
        renderTeamPage({ summary, baselines: summary.baselines, bypasses, params: url.searchParams, mayWrite: writable.ok, csrfToken: session.csrfToken, workspaceUrl: deps.config.LINEAR_WORKSPACE_URL, notice }),
      );
    }
    if (sub === '/history') {
      const filter = readHistoryFilter(url.searchParams);
      const value: HistoryFilter = filter.ok ? filter.value : { undocumentedOnly: false };
      const query = await toQuery(team, value);
      const [found, head, writable] = await Promise.all([
        query ? deps.store.queryHistory({ scopeId: team.scopeId, ...query, cursor: value.cursor ?? null, limit: HISTORY_PAGE_SIZE }).catch(cursorError) : { records: [], nextCursor: null },
        deps.store.getHistoryHead(team.scopeId),
        mayWrite(identity, team, 'records'),
      ]);
      const [keys, undocumented] = await Promise.all([readKeys(team, found.records), deps.store.findUndocumented(team.scopeId, found.records)]);
      const verdict = url.searchParams.get('verify') ? await verifyChain(team) : null;
      return page(
        200,
        `History of ${team.key}`,
        session,
        renderHistoryPage({
          teamKey: team.key,
          rows: found.records.map((r) => buildHistoryRow(r, keys, undocumented)),
          nextCursor: found.nextCursor,
          filter: value,
          params: url.searchParams,
          verdict,
          head: head ? { seq: head.seq, hash: head.hash } : null,
          mayWrite: writable.ok,
          csrfToken: session.csrfToken,
          notice,
          errors: filter.ok ? [] : filter.errors,
        }),
      );
    }
    if (sub === '/compare') {
      const from = await findBaseline(team, url.searchParams.get('from'));
      const toName = url.searchParams.get('to') ?? 'current';
      const to = toName === 'current' ? null : await findBaseline(team, toName);
      if (!from || (toName !== 'current' && !to)) return problem(404, session, `Team ${team.key} has no baseline named "${!from ? (url.searchParams.get('from') ?? '') : toName}".`, `${base}#baselines`);
      const current = to ? to.deliverables : snapshotScope((await deps.store.listDeliverables(team.scopeId)).map((d) => d.state), team.scopeId);
      return page(200, `Compare ${team.key}`, session, renderComparePage({ teamKey: team.key, fromName: from.name, toName: to ? to.name : 'the current scope', changes: diffScope(from.deliverables, current) }));
    }
    if (sub === '/settings') {
      const writable = await mayWrite(identity, team, 'settings');
      return page(200, `Settings of ${team.key}`, session, renderSettingsPage({ teamKey: team.key, reading: writable.reading, fallback: settingsFromPolicy(deps.policyDefaults), mayWrite: writable.ok, csrfToken: session.csrfToken, notice, errors: [] }));
    }
    if (sub === '/evidence') {
      const baseline = await findBaseline(team, url.searchParams.get('baseline'));
      if (!baseline) return problem(404, session, `Team ${team.key} has no baseline named "${url.searchParams.get('baseline') ?? ''}".`, `${base}#baselines`);
      const keys = await readKeys(team);
      const records: HistoryRecord[] = [];
      const signatures = [];
      let more = false;
      let last: HistoryRecord | null = null;
      for await (const slice of deps.store.readHistoryPagesSince(team.scopeId, await findBaselineSeq(team, baseline))) {
        signatures.push(...listSignatures(slice, keys));
        for (const record of slice) if (records.length < EVIDENCE_PAGE_ROWS) records.push(record);
        more ||= records.length >= EVIDENCE_PAGE_ROWS;
        last = slice[slice.length - 1] ?? last;
      }
      const undocumented = await deps.store.findUndocumented(team.scopeId, records);
      return page(
        200,
        `Evidence: ${team.key}, ${baseline.name}`,
        session,
        renderEvidencePage({ teamKey: team.key, baseline, rows: records.map((r) => buildHistoryRow(r, keys, undocumented)), signatures, head: last ? { seq: last.seq, hash: last.hash } : null, more }),
      );
    }
    return problem(404, session, `There is no page ${url.pathname}.`, base);
  };

  const readBypasses = async (team: ConsoleTeam): Promise<Map<string, number>> => {
    // The latest 100 bypass records: enough for a table column; the overview counts them all in SQL.
    const found = await deps.store.queryHistory({ scopeId: team.scopeId, kinds: ['closure_bypassed'], limit: 100 });
    const counts = new Map<string, number>();
    for (const r of found.records) if (r.kind === 'closure_bypassed' && r.data.action === 'recorded' && r.deliverableId) counts.set(r.deliverableId, (counts.get(r.deliverableId) ?? 0) + 1);
    return counts;
  };

  const verifyChain = async (team: ConsoleTeam): Promise<{ ok: true; count: number } | { ok: false; message: string }> => {
    let prev: { seq: number; hash: string | null } = { seq: -1, hash: null };
    for await (const slice of deps.store.readHistoryPagesSince(team.scopeId, 0)) {
      const link = verifyContinuation(prev, slice);
      if (!link.ok) return { ok: false, message: link.broken.message };
      prev = link.last;
    }
    return { ok: true, count: prev.seq + 1 };
  };

  // ---- writes: approvers only, each a history record ----

  const refuseWrite = async (session: ConsoleSession, team: ConsoleTeam, what: 'records' | 'settings', base: string) => {
    const writable = await mayWrite(session.identity, team, what);
    if (!writable.ok) {
      deps.logger.warn({ user: session.identity.actor.id, team: team.key, what }, 'console write refused: not an approver');
      throw new Refusal(problem(403, session, `${writable.message} Nothing was saved.`, base));
    }
    return writable.reading;
  };

  const saveReason = async (session: ConsoleSession, team: ConsoleTeam, form: URLSearchParams, base: string): Promise<Answer> => {
    await refuseWrite(session, team, 'records', base);
    const back = safeNext(form.get('back') ?? `${base}/history`);
    const seq = Number(form.get('seq'));
    if (!Number.isSafeInteger(seq) || seq < 0) return problem(400, session, 'The form names no history record. Reload the history page and try again.', back);
    const found = await deps.store.queryHistory({ scopeId: team.scopeId, cursor: encodeHistoryCursor(seq + 1), limit: 1 });
    const record = found.records[0];
    if (!record || record.seq !== seq || record.id !== form.get('record') || record.kind !== 'scope_changed') {
      return problem(400, session, 'That scope change is not in this team\'s history. Reload the history page and try again.', back);
    }
    if (!(await deps.store.findUndocumented(team.scopeId, [record])).has(record.id)) return problem(409, session, 'That change already has a reason.', back);
    const result = attachReason({ changes: [record], reason: form.get('reason') ?? '', actor: session.identity.actor, now: new Date(now()).toISOString(), newId, scopeId: team.scopeId, deliverableId: record.deliverableId });
    if (!result.ok) return problem(400, session, result.message, back);
    const committed = await deps.store.commit({ scopeId: team.scopeId, history: [result.draft] });
    if (!committed.ok) return problem(409, session, `The reason could not be stored (${committed.message}). Send it again.`, back);
    return { status: 303, headers: { location: withSaved(back, 'reason') } };
  };

  const saveBaseline = async (session: ConsoleSession, team: ConsoleTeam, form: URLSearchParams, base: string): Promise<Answer> => {
    await refuseWrite(session, team, 'records', base);
    const stored = await deps.store.listDeliverables(team.scopeId);
    const current = await deps.store.getActiveBaseline(team.scopeId);
    const created = createBaseline({
      id: newId(),
      scopeId: team.scopeId,
      name: form.get('name') ?? '',
      now: new Date(now()).toISOString(),
      approvedBy: session.identity.actor,
      deliverables: snapshotScope(stored.map((d) => d.state), team.scopeId),
      current,
    });
    if (!created.ok) return problem(400, session, created.message, `${base}#baselines`);
    const committed = await deps.store.commit({ scopeId: team.scopeId, baseline: created.value.baseline, history: [created.value.draft] });
    if (!committed.ok) return problem(409, session, `The baseline could not be stored (${committed.message}). Reload the page and try again.`, `${base}#baselines`);
    return { status: 303, headers: { location: withSaved(`${base}#baselines`, 'baseline') } };
  };

  const saveSettings = async (session: ConsoleSession, team: ConsoleTeam, form: URLSearchParams, base: string): Promise<Answer> => {
    const reading = await refuseWrite(session, team, 'settings', base);
    const parsed = readSettingsForm(form);
    if (!parsed.ok) {
      return page(400, `Settings of ${team.key}`, session, renderSettingsPage({ teamKey: team.key, reading, fallback: settingsFromPolicy(deps.policyDefaults), mayWrite: true, csrfToken: session.csrfToken, notice: null, errors: parsed.errors, submitted: form }));
    }
    const draft = recordSettingsChange({
      scopeId: team.scopeId,
      previous: reading.ok ? toSettingValues(reading.settings) : null,
      next: toSettingValues(parsed.value),
      actor: session.identity.actor,
      now: new Date(now()).toISOString(),
      newId,
    });
    if (!draft && reading.ok && reading.source === 'team') return { status: 303, headers: { location: withSaved(`${base}/settings`, 'unchanged') } };
    const committed = await deps.store.commitScopeSettings(
      { scopeId: team.scopeId, history: draft ? [draft] : [] },
      { settings: parsed.value, expectedVersion: reading.version },
    );
    // Deliveries in this process decide with the new settings from now on; a conflict means another writer changed them.
    scopeSettingsCacheOf(deps.store).forget(team.scopeId);
    if (!committed.ok) return problem(409, session, `The settings changed while you edited them (${committed.message}). Reload the page and edit them again.`, `${base}/settings`);
    return { status: 303, headers: { location: withSaved(`${base}/settings`, 'settings') } };
  };

  // ---- routing ----

  const route = async (req: IncomingMessage, url: URL): Promise<Answer> => {
    if (url.pathname === '/console.css') return { status: 200, headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }, body: CONSOLE_CSS };
    const cookies = parseCookies(req.headers.cookie ?? '');
    const session = await sessions.get(cookies[cookieName]);
    if (url.pathname.startsWith('/api/')) return handleApi(req, url, session);
    if (url.pathname === '/sign-in' && req.method === 'GET') {
      const next = url.searchParams.get('next') ?? '/';
      const token = url.searchParams.get('token');
      if (token !== null) {
        if (isToken(token)) return startSession({ kind: 'token', actor: TOKEN_ACTOR }, next);
        deps.logger.warn('console sign-in refused: wrong token');
        return page(401, 'Sign in', null, renderSignInPage({ oauth: Boolean(deps.oauth), next, error: 'That token is not this service\'s console token. Use the sign-in link printed at start, or the token in the file console-token in the data directory.' }));
      }
      return page(200, 'Sign in', null, renderSignInPage({ oauth: Boolean(deps.oauth), next, error: null }));
    }
    if (deps.oauth && url.pathname.startsWith('/sign-in/linear')) {
      const answer = await deps.oauth.handle(req, url);
      if (answer.kind === 'identity') return startSession(answer.identity, answer.next);
      if (answer.kind === 'redirect') return { status: 303, headers: { location: answer.location, ...(answer.cookie ? { 'set-cookie': answer.cookie } : {}) } };
      return page(answer.status, 'Sign in', null, renderSignInPage({ oauth: true, next: '/', error: answer.message }));
    }
    if (url.pathname === '/sign-out' && req.method === 'POST') {
      if (session) {
        const form = await readForm(req);
        if (!form.ok || !isCsrfValid(form.value.get('csrf'), session.csrfToken)) return problem(403, session, 'Sign out from a console page: this request did not come from one.', '/');
        await sessions.delete(session.id);
      }
      return { status: 303, headers: { location: '/sign-in', 'set-cookie': sessionCookie('', 0) } };
    }
    if (!session) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 401, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Sign in first; nothing was saved.' };
      return { status: 303, headers: { location: `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}` } };
    }
    return handlePage(req, url, session);
  };

  return {
    sessions,
    describeSignIn: (listenUrl) =>
      [
        'Scopekeeper console: open this link to sign in (it carries the console token; keep it private):',
        '',
        `    ${listenUrl}/sign-in?token=${deps.token}`,
        '',
        'Scripts can export with: curl -H "Authorization: Bearer <token>" ' + `${listenUrl}/api/teams/ENG/history.csv`,
        '',
      ].join('\n'),
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let answer: Answer;
      try {
        answer = await route(req, url);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        answer = error.answer;
      }
      res.writeHead(answer.status, { ...SECURITY_HEADERS, ...answer.headers });
      if (req.method === 'HEAD' || answer.body === undefined) return void res.end();
      if (typeof answer.body === 'string') return void res.end(answer.body);
      // Streamed with back-pressure: memory stays flat however long the export is. With no
      // 'timeout' listener, Node destroys a socket idle this long, which ends the pipeline and
      // the export's read (its cursor closes, its connection goes back to the pool).
      res.setTimeout(deps.stalledDownloadMs ?? 60_000);
      await pipeline(Readable.from(answer.body), res);
    },
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { ...headers, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

function attachment(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function* emptyPages(): AsyncGenerator<HistoryRecord[]> {}

/** Only a path on this site: "//evil.example" and "https://…" would send the user elsewhere. */
function safeNext(next: string): string {
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function withSaved(location: string, what: string): string {
  const [path, hash] = location.split('#');
  const url = new URL(path ?? '/', 'http://localhost');
  url.searchParams.set('saved', what);
  return `${url.pathname}${url.search}${hash ? `#${hash}` : ''}`;
}

function noticeText(saved: string | null): string | null {
  switch (saved) {
    case 'reason':
      return 'The reason was attached and recorded in the history.';
    case 'baseline':
      return 'The baseline was recorded. Later changes are measured against it.';
    case 'settings':
      return 'The settings were saved and the change recorded in the history.';
    case 'unchanged':
      return 'Nothing changed, so nothing was recorded.';
    default:
      return null;
  }
}

function isCsrfValid(sent: string | null, expected: string): boolean {
  if (!sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cursorError(error: unknown): { records: HistoryRecord[]; nextCursor: null } {
  // A cursor we did not write (edited URL): show the first page rather than fail.
  if (error instanceof RangeError) return { records: [], nextCursor: null };
  throw error;
}

async function readForm(req: IncomingMessage): Promise<{ ok: true; value: URLSearchParams } | { ok: false; status: number; message: string }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return { ok: false, status: 415, message: 'Send the form from a console page (application/x-www-form-urlencoded).' };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_MAX_BYTES) return { ok: false, status: 413, message: `The form is larger than ${FORM_MAX_BYTES / 1024} KB; shorten the text and send it again.` };
    chunks.push(chunk);
  }
  return { ok: true, value: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) };
}

function htmlMessage(message: string, back: string): SafeHtml {
  return html`<p class="error" role="alert">${message}</p><p><a href="${back}">Back</a></p>`;
}
