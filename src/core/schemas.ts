import { z } from 'zod';

// One schema per stored record and per inbound payload the core defines. Types are inferred
// from these, so what is stored and what the code believes can never drift apart.

export const platformSchema = z.enum(['jira', 'linear']);
export type Platform = z.infer<typeof platformSchema>;

/**
 * enforce: act on the platform (move a closure back, comment, label); shadow: decide and record
 * everything, act on nothing. Jira's "record only" bypass policy is shadow for closures.
 */
export const SERVICE_MODES = ['enforce', 'shadow'] as const;
export type ServiceMode = (typeof SERVICE_MODES)[number];

const isoTime = z.iso.datetime({ offset: true });
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');
const nonEmpty = z.string().trim().min(1);

export const actorSchema = z.object({
  id: nonEmpty,
  name: z.string().nullable().default(null),
  email: z.string().nullable().default(null),
});
export type Actor = z.infer<typeof actorSchema>;

/** One acceptance criterion. Jira criteria carry stable ids; criteria read from markdown do not. */
export const criterionSchema = z.object({
  id: z.string().min(1).nullable().default(null),
  text: nonEmpty,
  met: z.boolean().default(false),
});
export type Criterion = z.infer<typeof criterionSchema>;

export const signOffSchema = z.object({
  id: nonEmpty,
  signer: actorSchema,
  role: z.string().min(1),
  at: isoTime,
  note: z.string().nullable().default(null),
  /** Digest of the criteria as they stood when signed. */
  digest: sha256Hex,
});
export type SignOff = z.infer<typeof signOffSchema>;

/** A deliverable as the adapters keep it: the state the closure gate decides from. */
export const deliverableStateSchema = z.object({
  platform: platformSchema,
  id: nonEmpty,
  key: nonEmpty,
  scopeId: nonEmpty,
  title: z.string().default(''),
  assigneeId: z.string().nullable().default(null),
  criteria: z.array(criterionSchema),
  signOff: signOffSchema.nullable().default(null),
  /** False once a deliverable was deleted or moved out of its scope. */
  inScope: z.boolean().default(true),
  updatedAt: isoTime,
});
export type DeliverableState = z.infer<typeof deliverableStateSchema>;

export const deliverableSnapshotSchema = z.object({
  id: nonEmpty,
  key: nonEmpty,
  title: z.string().default(''),
  criteria: z.array(criterionSchema),
});
export type DeliverableSnapshot = z.infer<typeof deliverableSnapshotSchema>;

export const scopeVersionSchema = z.string().regex(/^\d+\.\d+$/, 'must look like MAJOR.MINOR, e.g. 1.0');
export type ScopeVersion = z.infer<typeof scopeVersionSchema>;

export const baselineSchema = z.object({
  id: nonEmpty,
  scopeId: nonEmpty,
  name: nonEmpty,
  major: z.number().int().positive(),
  createdAt: isoTime,
  approvedBy: actorSchema,
  deliverables: z.array(deliverableSnapshotSchema),
});
export type Baseline = z.infer<typeof baselineSchema>;

export const scopeChangeKindSchema = z.enum([
  'deliverable_added',
  'deliverable_removed',
  'criterion_added',
  'criterion_removed',
  'criterion_modified',
  'criterion_moved',
]);
export type ScopeChangeKind = z.infer<typeof scopeChangeKindSchema>;

export const diffPartSchema = z.object({
  value: z.string(),
  added: z.boolean().default(false),
  removed: z.boolean().default(false),
});
export type DiffPart = z.infer<typeof diffPartSchema>;

export const changeSourceSchema = z.enum(['jira-panel', 'jira-trigger', 'linear-webhook', 'linear-reconcile', 'cli', 'api']);
export type ChangeSource = z.infer<typeof changeSourceSchema>;

/** The payload of a `scope_changed` history record. */
export const scopeChangeSchema = z.object({
  changeId: nonEmpty,
  kind: scopeChangeKindSchema,
  deliverableKey: nonEmpty,
  criterionId: z.string().nullable().default(null),
  /** Criterion text (or, for deliverables, the rendered criteria) before and after. */
  before: z.string().nullable(),
  after: z.string().nullable(),
  /** Word-level diff of before -> after; `replaced` when the diff was too large to compute. */
  diff: z.array(diffPartSchema).nullable().default(null),
  replaced: z.boolean().default(false),
  fromIndex: z.number().int().nonnegative().nullable().default(null),
  toIndex: z.number().int().nonnegative().nullable().default(null),
  source: changeSourceSchema,
  /** Null when nobody gave a reason: the change is undocumented until one is attached. */
  reason: z.string().nullable().default(null),
});
export type ScopeChange = z.infer<typeof scopeChangeSchema>;

export const closureReasonCodeSchema = z.enum([
  'NO_CRITERIA',
  'NO_SIGNOFF',
  'SIGNOFF_STALE',
  'CRITERIA_NOT_MET',
  'SELF_SIGNOFF',
  'SIGNER_NOT_AUTHORISED',
  /** The scope's settings could not be read, so nobody can tell who may sign off: the gate fails closed. */
  'SETTINGS_UNREADABLE',
]);
export type ClosureReasonCode = z.infer<typeof closureReasonCodeSchema>;

export const closureReasonSchema = z.object({ code: closureReasonCodeSchema, message: z.string() });
export type ClosureReason = z.infer<typeof closureReasonSchema>;

/**
 * A setting's value as a `settings_changed` record keeps it. Settings are flags, short names
 * and lists of names, so these cover them without the core knowing any adapter's settings.
 */
export const settingValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
export type SettingValue = z.infer<typeof settingValueSchema>;

/** One setting that changed. `from` is null when the settings before could not be read. */
export const settingChangeSchema = z.object({
  setting: nonEmpty,
  from: settingValueSchema.nullable(),
  to: settingValueSchema,
});
export type SettingChange = z.infer<typeof settingChangeSchema>;

const historyData = {
  baseline_created: z.object({
    baselineId: nonEmpty,
    name: nonEmpty,
    deliverableCount: z.number().int().nonnegative(),
    criterionCount: z.number().int().nonnegative(),
  }),
  scope_changed: scopeChangeSchema,
  reason_attached: z.object({ changeIds: z.array(nonEmpty).min(1), reason: nonEmpty }),
  signoff_recorded: z.object({ signOff: signOffSchema }),
  signoff_refused: z.object({ code: nonEmpty, message: z.string() }),
  signoff_revoked: z.object({ signOffId: nonEmpty, note: z.string().nullable().default(null) }),
  signoff_stale: z.object({ signOffId: nonEmpty, signedDigest: sha256Hex, currentDigest: sha256Hex }),
  closure_allowed: z.object({ toState: z.string() }),
  closure_refused: z.object({ toState: z.string(), reasons: z.array(closureReasonSchema).min(1) }),
  closure_bypassed: z.object({
    toState: z.string(),
    reasons: z.array(closureReasonSchema).min(1),
    action: z.enum(['reopened', 'recorded']),
  }),
  settings_changed: z.object({ changes: z.array(settingChangeSchema).min(1) }),
} as const;

export const historyKindSchema = z.enum(Object.keys(historyData) as [keyof typeof historyData, ...(keyof typeof historyData)[]]);
export type HistoryKind = z.infer<typeof historyKindSchema>;

/** What a caller asks to append; the chain (seq, scope version, hashes) is added by `chainHistory`. */
const draftBase = {
  id: nonEmpty,
  scopeId: nonEmpty,
  at: isoTime,
  actor: actorSchema.nullable(),
  deliverableId: z.string().nullable(),
};
const draftVariants = (Object.keys(historyData) as (keyof typeof historyData)[]).map((kind) =>
  z.object({ ...draftBase, kind: z.literal(kind), data: historyData[kind] }),
);
export const historyDraftSchema = z.discriminatedUnion('kind', draftVariants as unknown as DraftTuple);

type DraftOf<K extends keyof typeof historyData> = z.ZodObject<
  typeof draftBase & { kind: z.ZodLiteral<K>; data: (typeof historyData)[K] }
>;
type DraftTuple = [DraftOf<keyof typeof historyData>, ...DraftOf<keyof typeof historyData>[]];

export type HistoryDraft = {
  [K in keyof typeof historyData]: {
    id: string;
    scopeId: string;
    at: string;
    actor: Actor | null;
    deliverableId: string | null;
    kind: K;
    data: z.infer<(typeof historyData)[K]>;
  };
}[keyof typeof historyData];

export const chainFieldsSchema = z.object({
  seq: z.number().int().nonnegative(),
  /** Scope version in force once this record is applied; null before the first baseline. */
  scopeVersion: scopeVersionSchema.nullable(),
  prevHash: sha256Hex.nullable(),
  hash: sha256Hex,
});
export type ChainFields = z.infer<typeof chainFieldsSchema>;

export type HistoryRecord = HistoryDraft & ChainFields;
export const historyRecordSchema = historyDraftSchema.and(chainFieldsSchema) as unknown as z.ZodType<HistoryRecord>;

export type HistoryRecordOf<K extends HistoryKind> = Extract<HistoryRecord, { kind: K }>;

export const closurePolicySchema = z.object({
  requireAllMet: z.boolean().default(false),
  forbidSelfSignOff: z.boolean().default(false),
  approverUserIds: z.array(nonEmpty).default([]),
  approverRoles: z.array(nonEmpty).default([]),
  /** A state counts as done when its name (case-insensitive) or its type is listed. */
  doneStateNames: z.array(nonEmpty).default(['Done']),
  doneStateTypes: z.array(nonEmpty).default(['done', 'completed']),
});
export type ClosurePolicy = z.infer<typeof closurePolicySchema>;
