import { z } from 'zod';
import type { ClosureReason, Criterion, DiffPart, HistoryKind, HistoryRecord } from '../../core';
import type { QualityHint } from '../../core/find-quality-hints';
// From its own module, not the find-quality-hints barrel: the settings page bundles this file and
// has no use for the tagging model the hints load.
import { teamVocabularySchema, type ResolvedTeamVocabulary } from '../../core/hints/team-vocabulary';

// The contract between the Forge UI (src/frontend) and the resolvers (src/forge). Payloads
// from the browser are validated with these schemas; identity never travels in them: the
// resolvers take the user and the issue or project from the Forge invocation context.

export const resolverNames = [
  'getPanel',
  'saveCriteria',
  'importFromDescription',
  'signOff',
  'revokeSignOff',
  'getProjectOverview',
  'getHistoryPage',
  'exportHistoryCsv',
  'createBaseline',
  'refreshSignals',
  'verifyWholeHistory',
  'attachReasons',
  'exportHistoryJson',
  'getSettings',
  'saveSettings',
  'exportEvidenceBundle',
] as const;
export type ResolverName = (typeof resolverNames)[number];

/**
 * Every code a refusal can carry. The UI branches on codes, so a new one is added here first; a
 * core result whose code is missing here fails to compile where a resolver passes it on.
 */
export const refusalCodes = [
  // Any resolver (refusals in refuse.ts).
  'NOT_SIGNED_IN',
  'NO_ISSUE_CONTEXT',
  'NO_PROJECT_CONTEXT',
  'ISSUE_NOT_FOUND',
  'INVALID_PAYLOAD',
  'UNAVAILABLE',
  // Storage conflicts (StoreConflictCode).
  'VERSION_CONFLICT',
  'HISTORY_CONFLICT',
  'BASELINE_EXISTS',
  // Who may do what, and settings that stop them.
  'NO_ACCESS',
  'NO_EDIT_PERMISSION',
  'NOT_PROJECT_ADMIN',
  'NOT_AN_APPROVER',
  'SELF_SIGNOFF',
  'ROLES_UNREADABLE',
  'SETTINGS_UNREADABLE',
  'NOT_A_DELIVERABLE',
  // The core's rules (sign-off, baselines, reasons) and imports.
  'NO_CRITERIA',
  'NO_SIGNOFF',
  'EMPTY_NAME',
  'DUPLICATE_NAME',
  'EMPTY_REASON',
  'NOTHING_TO_DOCUMENT',
  'NOTHING_TO_IMPORT',
  // The evidence bundle of a baseline.
  'BASELINE_NOT_FOUND',
  'HISTORY_INCOMPLETE',
  // The browser side, when no resolver answered (invoke-resolver.ts).
  'UNEXPECTED_RESPONSE',
  'INVOKE_FAILED',
] as const;
export type RefusalCode = (typeof refusalCodes)[number];

/** Every refusal the UI can show: a code for logic, a sentence for people. */
export interface Refusal {
  ok: false;
  code: RefusalCode;
  message: string;
  /** "path: message" strings when the payload itself was invalid. */
  errors?: string[];
}
export type Outcome<T> = ({ ok: true } & T) | Refusal;

// ---- issue panel ------------------------------------------------------------------------

export const criterionInputSchema = z.object({
  id: z.string().min(1).nullable(),
  text: z.string().trim().min(1, 'a criterion needs text').max(2000),
  met: z.boolean(),
});

export const saveCriteriaSchema = z.object({
  /** The whole list in its new order: add, edit, reorder, delete and mark met are all one save. */
  criteria: z.array(criterionInputSchema).max(200),
  /** Asked for after the baseline; empty or null records the change as undocumented. */
  reason: z.string().max(2000).nullable().default(null),
  /** The version the panel loaded; a stale one is refused with VERSION_CONFLICT. */
  expectedVersion: z.number().int().nonnegative().nullable(),
});
export type SaveCriteriaPayload = z.infer<typeof saveCriteriaSchema>;

export const signOffSchema = z.object({ note: z.string().max(2000).nullable().default(null) });
export type SignOffPayload = z.infer<typeof signOffSchema>;

export interface CriterionDiffRow {
  kind: 'unchanged' | 'added' | 'removed' | 'modified' | 'moved';
  before: string | null;
  after: string | null;
  diff: DiffPart[] | null;
}

export interface PanelView {
  issue: { id: string; key: string; summary: string; assigneeAccountId: string | null };
  /** False when the issue type is not a deliverable in this project's settings. */
  isDeliverable: boolean;
  /** Why this issue is not tracked, in words; null when it is a deliverable. */
  notDeliverableReason: string | null;
  /** Why nobody can sign off here right now (settings or project roles unreadable); null when sign-off works. */
  signOffUnavailable: string | null;
  criteria: Criterion[];
  /** Hints for the saved criteria, found with `vocabulary`. */
  hints: QualityHint[];
  /** The project's hint vocabulary, so the panel finds the same hints for criteria being written. */
  vocabulary: ResolvedTeamVocabulary;
  /** Optimistic version of the stored deliverable; null before the first save. */
  version: number | null;
  baseline: { name: string; version: string } | null;
  /** Current scope version of the project, e.g. "1.3"; null before the first baseline. */
  scopeVersion: string | null;
  /** Against the active baseline; null when the deliverable is not baselined. */
  baselineDiff: CriterionDiffRow[] | null;
  /** True after the baseline: every edit asks for a reason. */
  asksForReason: boolean;
  signOff: {
    signerName: string;
    role: string;
    at: string;
    note: string | null;
    stale: boolean;
    /** Why it no longer counts, in words; null when valid. */
    staleReason: string | null;
  } | null;
  verdict: { allowed: boolean; summary: string; reasons: ClosureReason[] };
  permissions: { canEdit: boolean; canSignOff: boolean };
}

// ---- project page -----------------------------------------------------------------------

export const historyFiltersSchema = z.object({
  deliverableId: z.string().min(1).optional(),
  kinds: z.array(z.string().min(1)).max(20).optional(),
  authorId: z.string().min(1).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  undocumentedOnly: z.boolean().optional(),
});
export type HistoryFilters = z.infer<typeof historyFiltersSchema>;

export const historyPageSchema = z.object({
  filters: historyFiltersSchema.default({}),
  cursor: z.string().min(1).nullable().default(null),
});

/** One part of an export: `cursor` is the previous part's nextCursor; null starts at the newest record. */
export const exportHistorySchema = z.object({
  filters: historyFiltersSchema.default({}),
  cursor: z.string().min(1).nullable().default(null),
});

/** One part of a baseline's evidence bundle: `cursor` is the previous part's nextCursor; null starts the bundle. */
export const exportEvidenceSchema = z.object({
  baselineId: z.string().min(1, 'choose a baseline'),
  cursor: z.string().min(1).nullable().default(null),
});

/** The changes to document, as the history page showed them (seq and change id), and why they were made. */
export const attachReasonsSchema = z.object({
  changes: z
    .array(z.object({ seq: z.number().int().nonnegative(), changeId: z.string().min(1) }))
    .min(1, 'choose at least one change')
    .max(25),
  reason: z.string().trim().min(1, 'write why the scope changed').max(2000),
});

/** `restart`: check from the first record again; otherwise continue the check under way. */
export const verifyWholeHistorySchema = z.object({ restart: z.boolean().default(false) });

export const createBaselineSchema = z.object({ name: z.string().trim().min(1, 'give the baseline a name').max(200) });

export interface HistoryRow {
  id: string;
  seq: number;
  kind: HistoryKind;
  at: string;
  authorName: string | null;
  deliverableKey: string | null;
  scopeVersion: string | null;
  /** One line in words, e.g. "Criterion modified on PROJ-12" (views mark an undocumented one beside it). */
  summary: string;
  /** Unified-diff text for scope changes, for a CodeBlock with language "diff". */
  diffText: string | null;
  undocumented: boolean;
  record: HistoryRecord;
}

export interface ProjectOverview {
  project: { id: string; key: string; name: string };
  baselines: { id: string; name: string; version: string; createdAt: string; approvedByName: string; deliverableCount: number }[];
  scopeVersion: string | null;
  signals: {
    driftShare: number | null;
    undocumentedChanges: number;
    withoutCriteria: string[];
    staleSignOffs: string[];
    bypasses: number;
    signOffCoverage: { covered: number; total: number; share: number | null };
  };
  verification: { ok: true; count: number } | { ok: false; index: number; recordId: string; message: string };
  /** How far the signals are counted; they are counted a slice per call (see refreshSignals). */
  signalsStatus: SignalsStatus;
  /** canDocumentChanges: may edit issues in this project, so may attach reasons (checked again per issue). */
  permissions: { canCreateBaseline: boolean; canDocumentChanges: boolean };
  /** Optional (added by the UI side): deliverables of the project for the history filter, by key. */
  deliverables?: { id: string; key: string }[];
}

export interface SignalsStatus {
  /** Every history record and deliverable counted, and the deliverable figures are recent. */
  complete: boolean;
  historyCounted: number;
  historyTotal: number;
  /** Deliverables read by the count under way, or by the last complete one. */
  deliverablesCounted: number;
  /** When the deliverable figures shown were counted; null until a first count completes. */
  deliverablesAsOf: string | null;
}

/** The signals part of the overview, as refreshSignals continues to count it. */
export interface SignalsView {
  signals: ProjectOverview['signals'];
  signalsStatus: SignalsStatus;
  verification: ProjectOverview['verification'];
  deliverables: { id: string; key: string }[];
}

/** Progress of a full check of the hash chain, a slice per call. */
export interface HistoryCheck {
  checked: number;
  total: number;
  done: boolean;
}

/** One part of an export: the text to copy, and where the next part starts (null: this was the last). */
export interface ExportPart {
  rowCount: number;
  nextCursor: string | null;
}

/**
 * One part of an evidence bundle: the next bytes of the one file (parts join with nothing between
 * them). `part` counts from 1; an empty `text` is a part with nothing to add (ask for the next one).
 * `head` is the chain head the bundle ends with, on the last part only.
 */
export interface EvidencePart {
  ok: true;
  text: string;
  part: number;
  records: number;
  signatures: number;
  nextCursor: string | null;
  head: { seq: number; hash: string } | null;
}

// ---- settings ---------------------------------------------------------------------------

export const projectSettingsSchema = z.object({
  approverAccountIds: z.array(z.string().min(1)).max(100).default([]),
  /** Jira project role names, e.g. "Client approvers". */
  approverRoles: z.array(z.string().min(1)).max(50).default([]),
  requireAllMet: z.boolean().default(false),
  forbidSelfSignOff: z.boolean().default(false),
  /** Issue type names that are deliverables; empty means every type. */
  deliverableIssueTypes: z.array(z.string().min(1)).max(50).default([]),
  /** Status names that count as done besides the "done" status category. */
  doneStatusNames: z.array(z.string().min(1)).max(50).default([]),
  /** What the trigger does when an issue reaches done without a valid sign-off. */
  bypassPolicy: z.enum(['reopen', 'record']).default('record'),
  /** The team's words and rules for the quality hints; advisory only, never part of a decision. */
  vocabulary: teamVocabularySchema.default({ vagueWords: [], silencedWords: [], disabledRules: [] }),
});
export type ProjectSettings = z.infer<typeof projectSettingsSchema>;

export const saveSettingsSchema = z.object({ settings: projectSettingsSchema });

// ---- results (added by the UI side; additive) -------------------------------------------
// What each resolver resolves to. Every result is an Outcome, so a refusal always reaches the
// UI as a code and a sentence. Actions on the panel return the fresh PanelView so the panel
// never needs a second invocation to show what it just did.

/** Payload of resolvers that take nothing: the issue or project comes from the context. */
export type EmptyPayload = Record<string, never>;

export interface HistoryPage {
  rows: HistoryRow[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ImportPreview {
  /** Criteria read from the issue description, in order; ids are null (not stored yet). */
  criteria: Criterion[];
  hints: QualityHint[];
}

export interface ResolverPayloads {
  getPanel: EmptyPayload;
  saveCriteria: z.input<typeof saveCriteriaSchema>;
  importFromDescription: EmptyPayload;
  signOff: z.input<typeof signOffSchema>;
  revokeSignOff: EmptyPayload;
  getProjectOverview: EmptyPayload;
  getHistoryPage: z.input<typeof historyPageSchema>;
  exportHistoryCsv: z.input<typeof exportHistorySchema>;
  createBaseline: z.input<typeof createBaselineSchema>;
  refreshSignals: EmptyPayload;
  verifyWholeHistory: z.input<typeof verifyWholeHistorySchema>;
  attachReasons: z.input<typeof attachReasonsSchema>;
  exportHistoryJson: z.input<typeof exportHistorySchema>;
  getSettings: EmptyPayload;
  saveSettings: z.input<typeof saveSettingsSchema>;
  exportEvidenceBundle: z.input<typeof exportEvidenceSchema>;
}

export interface ResolverResults {
  getPanel: Outcome<{ panel: PanelView }>;
  saveCriteria: Outcome<{ panel: PanelView }>;
  importFromDescription: Outcome<{ preview: ImportPreview }>;
  signOff: Outcome<{ panel: PanelView }>;
  revokeSignOff: Outcome<{ panel: PanelView }>;
  getProjectOverview: Outcome<{ overview: ProjectOverview }>;
  getHistoryPage: Outcome<HistoryPage>;
  /** One part of the filtered history as CSV text (RFC 4180); the first part starts with the header row. */
  exportHistoryCsv: Outcome<{ csv: string } & ExportPart>;
  createBaseline: Outcome<{ overview: ProjectOverview }>;
  /** Counts the next slice of the signals (call again until signalsStatus.complete). */
  refreshSignals: Outcome<SignalsView>;
  verifyWholeHistory: Outcome<{ verification: ProjectOverview['verification']; check: HistoryCheck }>;
  /** documented: changes the reason now explains; skipped: asked for but already documented. */
  attachReasons: Outcome<{ documented: number; skipped: number }>;
  /** One part of the filtered history as a JSON array of rows with the CSV's columns. */
  exportHistoryJson: Outcome<{ json: string } & ExportPart>;
  /** `problems`: what an admin should fix, in words (unreadable stored settings, roles the app cannot read). */
  getSettings: Outcome<{ settings: ProjectSettings; problems?: string[] }>;
  /** On a refusal for invalid settings, `errors` holds "settings.<field>: message" strings. */
  saveSettings: Outcome<{ settings: ProjectSettings }>;
  /** One part of a baseline's evidence bundle (src/reports/build-evidence-bundle.ts), for `scopekeeper verify`. */
  exportEvidenceBundle: EvidencePart | Refusal;
}
