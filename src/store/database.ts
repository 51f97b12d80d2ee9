import type { ColumnType } from 'kysely';

// Row shapes of the SQL store, for Kysely's typed queries. JSON columns are written as text
// cast to jsonb and read back as `::text` (see SqlStore), so their TypeScript type is a string.

type Json = ColumnType<string, string, string>;
type Timestamp = ColumnType<string, string, string>;

export interface DeliverablesTable {
  platform: string;
  id: string;
  scope_id: string;
  version: number;
  state: Json;
  updated_at: Timestamp;
}

export interface BaselinesTable {
  scope_id: string;
  major: number;
  id: string;
  name: string;
  created_at: Timestamp;
  payload: Json;
}

export interface HistoryTable {
  scope_id: string;
  seq: number;
  id: string;
  kind: string;
  at: Timestamp;
  actor_id: string | null;
  deliverable_id: string | null;
  scope_version: string | null;
  prev_hash: string | null;
  hash: string;
  /** data.changeId of a scope_changed record, so attached reasons can be joined cheaply. */
  change_id: string | null;
  /** A scope_changed record written without a reason (a later reason_attached may document it). */
  without_reason: boolean;
  record: Json;
}

/** One row per change id a reason_attached record documents. */
export interface ChangeReasonsTable {
  scope_id: string;
  change_id: string;
  record_id: string;
}

/** The newest record of each scope; the row an append locks. */
export interface HistoryHeadsTable {
  scope_id: string;
  seq: number;
  hash: string;
  scope_version: string | null;
}

/** Settings a scope keeps in the database (the Linear console's per-team settings). */
export interface ScopeSettingsTable {
  scope_id: string;
  version: number;
  settings: Json;
  updated_at: Timestamp;
}

/** A console sign-in: the session id only as its SHA-256, so reading the database signs nobody in. */
export interface ConsoleSessionsTable {
  id_hash: string;
  identity: Json;
  csrf_token: string;
  expires_at: Timestamp;
}

export interface Database {
  deliverables: DeliverablesTable;
  baselines: BaselinesTable;
  history: HistoryTable;
  change_reasons: ChangeReasonsTable;
  history_heads: HistoryHeadsTable;
  scope_settings: ScopeSettingsTable;
  console_sessions: ConsoleSessionsTable;
}
