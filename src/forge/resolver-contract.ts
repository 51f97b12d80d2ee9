import { z } from 'zod';
import type { ClosureReason, Criterion, DiffPart, HistoryKind, HistoryRecord } from '../core';
import type { QualityHint } from '../core/find-quality-hints';

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
  'getSettings',
  'saveSettings',
] as const;
export type ResolverName = (typeof resolverNames)[number];

/** Every refusal the UI can show: a code for logic, a sentence for people. */
export interface Refusal {
  ok: false;
  code: string;
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
  criteria: Criterion[];
  hints: QualityHint[];
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

export const exportHistorySchema = z.object({ filters: historyFiltersSchema.default({}) });

export const createBaselineSchema = z.object({ name: z.string().trim().min(1, 'give the baseline a name').max(200) });

export interface HistoryRow {
  id: string;
  seq: number;
  kind: HistoryKind;
  at: string;
  authorName: string | null;
  deliverableKey: string | null;
  scopeVersion: string | null;
  /** One line in words, e.g. "Criterion modified on PROJ-12 (undocumented)". */
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
  permissions: { canCreateBaseline: boolean };
  /** Optional (added by the UI side): deliverables of the project for the history filter, by key. */
  deliverables?: { id: string; key: string }[];
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
  getSettings: EmptyPayload;
  saveSettings: z.input<typeof saveSettingsSchema>;
}

export interface ResolverResults {
  getPanel: Outcome<{ panel: PanelView }>;
  saveCriteria: Outcome<{ panel: PanelView }>;
  importFromDescription: Outcome<{ preview: ImportPreview }>;
  signOff: Outcome<{ panel: PanelView }>;
  revokeSignOff: Outcome<{ panel: PanelView }>;
  getProjectOverview: Outcome<{ overview: ProjectOverview }>;
  getHistoryPage: Outcome<HistoryPage>;
  /** The filtered history as CSV text (RFC 4180, header row first). */
  exportHistoryCsv: Outcome<{ csv: string; rowCount: number }>;
  createBaseline: Outcome<{ overview: ProjectOverview }>;
  getSettings: Outcome<{ settings: ProjectSettings }>;
  /** On a refusal for invalid settings, `errors` holds "settings.<field>: message" strings. */
  saveSettings: Outcome<{ settings: ProjectSettings }>;
}
