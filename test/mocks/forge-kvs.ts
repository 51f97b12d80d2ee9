import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestParserBuilder } from '@forge/manifest';

/**
 * The ONE in-memory stand-in for @forge/kvs. It replaces only the Forge storage service: the
 * real @forge/kvs classes (KvsImpl, StorageApi, the query, filter and transaction builders,
 * ForgeKvsAPIError) run unchanged on top of a fake `/api/v1/*` endpoint, so requests and errors
 * have exactly the shapes the SDK produces and parses.
 *
 * It refuses what the documented platform refuses. Each rule below names its page on
 * developer.atlassian.com/platform/forge/; docs/platform-rules.md lists every rule with the test
 * that proves it. Where the docs state a rule but no error code, the code is this stand-in's
 * choice and marked "code not documented": callers must not depend on those codes.
 * Not documented at all, chosen here: the status and code of a FAIL_IF_EXISTS conflict (409
 * KEY_CONFLICT by default; see answerKeyConflictsWith) and of a failed transaction condition (409
 * CONDITIONAL_CHECK_FAILED); that a condition on a missing key fails (the docs: "check if key
 * exists and meets conditions"); that an undeclared attribute is refused; that an index holds
 * only the entities that have all of its attributes.
 *
 * Every request is answered on a later turn of the event loop, so concurrent callers really
 * interleave between requests, as they do against the real service.
 */

// limits-kvs-ce (Key and object size limits); runtime-reference/custom-entities (Keys).
export const MAX_KEY_LENGTH = 500;
const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]+$/;
// limits-kvs-ce: "Value size 240 KiB — Maximum size of a single persisted value (in RAW)".
export const MAX_VALUE_BYTES = 240 * 1024;
// limits-kvs-ce: "Object depth 31 — Maximum object depth permitted"; runtime-reference/custom-entities:
// "a maximum depth of 31". (The MAX_DEPTH message in handling-errors-kvs says 32: the stricter 31 holds.)
export const MAX_OBJECT_DEPTH = 31;
// runtime-reference/storage-api-query: "Limit the result size to 10 values, up to a maximum of 20".
export const MAX_KVS_QUERY_LIMIT = 20;
// storage-reference/handling-errors-kvs: LIST_QUERY_LIMIT_EXCEEDED "Limit for list query should be below 100".
export const KVS_QUERY_LIMIT_REFUSED_FROM = 100;
// runtime-reference/storage-api-query-complex: "returns up to 10 values by default ... a maximum of 100".
export const MAX_ENTITY_QUERY_LIMIT = 100;
const DEFAULT_QUERY_LIMIT = 10;
// limits-kvs-ce: "each complex query can only have a maximum of 100 conditions" (where and filters).
export const MAX_QUERY_CONDITIONS = 100;
// limits-kvs-ce (Transaction limits), storage-reference/transactions-entities: 25 operations, each
// key once, "a payload size of 4MB" (read as 4,000,000 bytes, the stricter reading).
export const MAX_TRANSACTION_OPERATIONS = 25;
export const MAX_TRANSACTION_BYTES = 4_000_000;
// storage-reference/entities-batch: "Each batch operation can contain a maximum of 25 keys";
// "A single kvs.batchSet operation can be a payload of 4MB, similar to transactions".
export const MAX_BATCH_KEYS = 25;
export const MAX_BATCH_BYTES = 4_000_000;
// runtime-reference/custom-entities (Values): integer "Must be a 32-bit signed integer".
export const MIN_INTEGER = -2_147_483_648;
export const MAX_INTEGER = 2_147_483_647;
// runtime-reference/custom-entities (Values): float "must either be 0, or fall within" ±1E-130 to
// ±9.9999999999999999999999999999999999999E+125 (that bound rounds to 1e126 as a double).
const MIN_FLOAT_MAGNITUDE = 1e-130;
const MAX_FLOAT_MAGNITUDE = Number('9.9999999999999999999999999999999999999E+125');
// storage-reference/entities-api: "The maximum supported TTL is 1 year".
const MAX_TTL_MS = 365 * 24 * 3600 * 1000;
const TTL_UNIT_MS: Record<string, number> = { SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };
// runtime-reference/custom-entities (Limitations): entities, attributes and indexes.
export const MAX_ENTITIES = 20;
export const MAX_INDEXES = 7;
export const MAX_ATTRIBUTES = 50;
export const MAX_RANGE_VALUE_BYTES = 900;
export const MAX_PARTITION_VALUE_BYTES = 1700;
const ATTRIBUTE_NAME_PATTERN = /^[_A-Za-z][_0-9A-Za-z]*$/;
const MAX_ATTRIBUTE_NAME_LENGTH = 64;
const INDEX_NAME_PATTERN = /^(?!\.)(?!.*\.\.)[a-zA-Z0-9:\-_.]+(?<!\.)$/;
// handling-errors-customentities (INVALID_ENTITY_TYPE) and runtime-reference/custom-entities
// ("Cannot start with - or _", "Must not begin or end with a .", no "..").
const ENTITY_NAME_PATTERN = /^(?![.\-_])(?!.*\.{2})[a-z0-9:\-_.]*(?<![.])$/;
// runtime-reference/storage-api-query-complex: the conditions `where` takes.
const WHERE_CONDITIONS = new Set(['BEGINS_WITH', 'BETWEEN', 'EQUAL_TO', 'GREATER_THAN', 'LESS_THAN', 'GREATER_THAN_EQUAL_TO', 'LESS_THAN_EQUAL_TO']);

type AttributeType = 'string' | 'integer' | 'float' | 'boolean' | 'any';
const ATTRIBUTE_TYPES: readonly AttributeType[] = ['string', 'integer', 'float', 'boolean', 'any'];
type Json = unknown;

export interface EntityIndex {
  name: string;
  partition: string[];
  range: string[];
}

export interface EntityDefinition {
  name: string;
  attributes: Record<string, AttributeType>;
  indexes: EntityIndex[];
}

interface Item {
  value: Json;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
}

interface Condition {
  condition: string;
  property?: string;
  values: Json[];
}

type Filters = { and?: Condition[]; or?: Condition[] };

/** One request as the fake service saw it, for call counting. */
export interface KvsRequest {
  path: string;
  body: Record<string, unknown> | unknown[];
}

export interface KvsCounts {
  /** Requests that read: get, entity get, batch get, query, entity query. */
  reads: number;
  /** Requests that write: set, delete, batch set/delete, transaction. */
  writes: number;
  byPath: Record<string, number>;
  /** Largest page size any query asked for. */
  largestQueryLimit: number;
}

class KvsFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const READ_PATHS = new Set(['/api/v1/get', '/api/v1/secret/get', '/api/v1/entity/get', '/api/v1/batch/get', '/api/v1/query', '/api/v1/entity/query']);

/** The fake Forge storage service: plain keys, secrets and custom entities, in memory. */
export class FakeKvsService {
  private readonly plain = new Map<string, Item>();
  private readonly secrets = new Map<string, Item>();
  private readonly entities = new Map<string, Map<string, Item>>();
  private readonly definitions: Map<string, EntityDefinition>;
  private clock = Date.parse('2026-01-01T00:00:00.000Z');
  private keyConflict = { status: 409, code: 'KEY_CONFLICT' };
  readonly requests: KvsRequest[] = [];
  /** When set, the next request with this path fails with this error, once. */
  private injected: { path: string; status: number; code: string; message: string } | null = null;

  /** Throws, as `forge deploy` refuses, when the declared entities break a documented limit. */
  constructor(definitions: EntityDefinition[]) {
    checkDefinitions(definitions);
    this.definitions = new Map(definitions.map((d) => [d.name, d]));
    for (const d of definitions) this.entities.set(d.name, new Map());
  }

  /** Forgets every stored value and every counted request, and restores the default conflict shape. */
  reset(): void {
    this.plain.clear();
    this.secrets.clear();
    for (const store of this.entities.values()) store.clear();
    this.keyConflict = { status: 409, code: 'KEY_CONFLICT' };
    this.injected = null;
    this.resetCounts();
  }

  resetCounts(): void {
    this.requests.length = 0;
  }

  counts(): KvsCounts {
    const byPath: Record<string, number> = {};
    let reads = 0;
    let writes = 0;
    let largestQueryLimit = 0;
    for (const r of this.requests) {
      byPath[r.path] = (byPath[r.path] ?? 0) + 1;
      if (READ_PATHS.has(r.path)) reads += 1;
      else writes += 1;
      if (r.path.endsWith('query') && !Array.isArray(r.body) && typeof r.body.limit === 'number') {
        largestQueryLimit = Math.max(largestQueryLimit, r.body.limit);
      }
    }
    return { reads, writes, byPath, largestQueryLimit };
  }

  /** Everything stored, for asserting that a refused action changed nothing. */
  snapshot(): string {
    const dump = (m: Map<string, Item>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.value]);
    return JSON.stringify({
      plain: dump(this.plain),
      entities: [...this.entities.entries()].map(([name, m]) => [name, dump(m)]),
    });
  }

  /** Reads a stored value behind the SDK's back (no request is counted). */
  peek(key: string, entityName?: string): Json | undefined {
    return this.live(entityName ? this.entityStore(entityName) : this.plain, key)?.value;
  }

  /** Overwrites a stored value behind the SDK's back, as a broken restore or a manual fix would. */
  tamper(key: string, value: Json, entityName?: string): void {
    const store = entityName ? this.entityStore(entityName) : this.plain;
    const now = this.tick();
    store.set(key, { value: structuredClone(value), createdAt: store.get(key)?.createdAt ?? now, updatedAt: now, expiresAt: null });
  }

  /** Keys stored in one entity (or the plain store), sorted. */
  keys(entityName?: string): string[] {
    const store = entityName ? this.entityStore(entityName) : this.plain;
    return [...store.keys()].filter((key) => this.live(store, key)).sort();
  }

  /** Makes the next request to `path` fail, e.g. to test what a caller does when storage is down. */
  failNext(path: string, status = 500, code = 'INTERNAL_SERVER_ERROR', message = 'injected failure'): void {
    this.injected = { path, status, code, message };
  }

  /**
   * The docs name no status or code for a FAIL_IF_EXISTS refusal; this sets the shape the stand-in
   * answers with, so a caller can be tested against each shape it may meet.
   */
  answerKeyConflictsWith(status: number, code: string): void {
    this.keyConflict = { status, code };
  }

  /** Moves the service's clock, e.g. past a TTL. */
  advance(ms: number): void {
    this.clock += ms;
  }

  /** The fetch function @forge/kvs's StorageApi calls: `(path, { method, body, headers })`. */
  readonly fetch = async (requestPath: string, init?: { body?: unknown }): Promise<FakeResponse> => {
    await new Promise((resolve) => setImmediate(resolve));
    const text = typeof init?.body === 'string' ? init.body : '';
    const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    this.requests.push({ path: requestPath, body });
    try {
      if (this.injected && this.injected.path === requestPath) {
        const { status, code, message } = this.injected;
        this.injected = null;
        throw new KvsFailure(status, code, message);
      }
      const result = this.handle(requestPath, body, Buffer.byteLength(text, 'utf8'));
      return respond(200, result);
    } catch (error) {
      if (error instanceof KvsFailure) return respond(error.status, { code: error.code, message: error.message });
      throw error;
    }
  };

  private handle(requestPath: string, body: Record<string, unknown>, bodyBytes: number): Json {
    switch (requestPath) {
      case '/api/v1/get':
        return this.get(this.plain, body, 'KEY_TOO_SHORT');
      case '/api/v1/secret/get':
        return this.get(this.secrets, body, 'KEY_TOO_SHORT');
      case '/api/v1/entity/get':
        return this.get(this.entityStore(String(body.entityName)), body, 'EMPTY_KEY');
      case '/api/v1/set':
        return this.set(this.plain, body, null);
      case '/api/v1/secret/set':
        return this.set(this.secrets, body, null);
      case '/api/v1/entity/set':
        return this.set(this.entityStore(String(body.entityName)), body, String(body.entityName));
      case '/api/v1/delete':
        return this.delete(this.plain, body);
      case '/api/v1/secret/delete':
        return this.delete(this.secrets, body);
      case '/api/v1/entity/delete':
        return this.delete(this.entityStore(String(body.entityName)), body);
      case '/api/v1/query':
        return this.query(body);
      case '/api/v1/entity/query':
        return this.queryEntity(body);
      case '/api/v1/batch/set':
        this.checkBatch(body, bodyBytes, MAX_BATCH_BYTES);
        return this.batch(body as unknown as Record<string, unknown>[], (item) => this.set(this.storeFor(item), item, (item.entityName as string) ?? null));
      case '/api/v1/batch/delete':
        this.checkBatch(body, bodyBytes, null);
        return this.batch(body as unknown as Record<string, unknown>[], (item) => this.delete(this.storeFor(item), item));
      case '/api/v1/batch/get':
        this.checkBatch(body, bodyBytes, null);
        return this.batchGet(body as unknown as Record<string, unknown>[]);
      case '/api/v1/transaction':
        return this.transact(body, bodyBytes);
      default:
        throw new KvsFailure(404, 'NOT_FOUND', `no such storage endpoint: ${requestPath}`);
    }
  }

  // ---- plain and entity operations ---------------------------------------------------------

  private get(store: Map<string, Item>, body: Record<string, unknown>, shortCode: string): Json {
    const key = checkKey(body.key, shortCode);
    const item = this.live(store, key);
    if (!item) throw new KvsFailure(404, 'KEY_NOT_FOUND', `The key ${key} does not exist`);
    return { key, value: structuredClone(item.value), createdAt: item.createdAt, updatedAt: item.updatedAt };
  }

  private set(store: Map<string, Item>, body: Record<string, unknown>, entityName: string | null): Json {
    const key = checkKey(body.key, entityName ? 'EMPTY_KEY' : 'KEY_TOO_SHORT');
    checkValue(body.value);
    if (entityName) this.checkEntityValue(entityName, body.value);
    const options = (body.options ?? {}) as { keyPolicy?: string; returnValue?: string; ttl?: unknown };
    // storage-reference/entities-api (SetOptions): "If returnValue is provided, keyPolicy must be 'OVERRIDE'". Code not documented.
    if (options.returnValue !== undefined && options.keyPolicy === 'FAIL_IF_EXISTS') {
      throw new KvsFailure(400, 'INVALID_REQUEST', 'returnValue needs keyPolicy OVERRIDE');
    }
    const expiresAt = this.expiryOf(options.ttl);
    const previous = this.live(store, key);
    // storage-reference/entities-api, kvs-api: FAIL_IF_EXISTS "if the key already exists, don't overwrite it".
    if (options.keyPolicy === 'FAIL_IF_EXISTS' && previous) {
      throw new KvsFailure(this.keyConflict.status, this.keyConflict.code, `The key ${key} already exists`);
    }
    const now = this.tick();
    const item: Item = { value: structuredClone(body.value), createdAt: previous?.createdAt ?? now, updatedAt: now, expiresAt };
    store.set(key, item);
    if (options.returnValue === 'PREVIOUS') return previous ? { key, value: previous.value, createdAt: previous.createdAt, updatedAt: previous.updatedAt } : '';
    if (options.returnValue === 'LATEST') return { key, value: item.value, createdAt: item.createdAt, updatedAt: item.updatedAt };
    return '';
  }

  private delete(store: Map<string, Item>, body: Record<string, unknown>): Json {
    store.delete(checkKey(body.key, 'KEY_TOO_SHORT'));
    return '';
  }

  /** storage-reference/entities-batch: at most 25 keys, not none, none twice; batchSet at most 4MB. Codes not documented. */
  private checkBatch(body: unknown, bodyBytes: number, maxBytes: number | null): void {
    const items = body as Record<string, unknown>[];
    if (!Array.isArray(items) || items.length === 0) throw new KvsFailure(400, 'INVALID_REQUEST', 'A batch needs at least one key');
    if (items.length > MAX_BATCH_KEYS) {
      throw new KvsFailure(400, 'INVALID_REQUEST', `A batch can contain at most ${MAX_BATCH_KEYS} keys, got ${items.length}`);
    }
    if (maxBytes !== null && bodyBytes > maxBytes) throw new KvsFailure(400, 'INVALID_REQUEST', 'A batchSet payload is limited to 4MB');
    const seen = new Set<string>();
    for (const item of items) {
      const id = `${String(item.entityName ?? '')}\u0000${String(item.key)}`;
      if (seen.has(id)) throw new KvsFailure(400, 'INVALID_REQUEST', `Key ${String(item.key)} appears twice in one batch`);
      seen.add(id);
    }
  }

  private batch(items: Record<string, unknown>[], apply: (item: Record<string, unknown>) => unknown): Json {
    const successfulKeys: unknown[] = [];
    const failedKeys: unknown[] = [];
    for (const item of items) {
      const ids = { key: item.key, ...(item.entityName ? { entityName: item.entityName } : {}) };
      try {
        apply(item);
        successfulKeys.push(ids);
      } catch (error) {
        if (!(error instanceof KvsFailure)) throw error;
        failedKeys.push({ ...ids, error: { code: error.code, message: error.message } });
      }
    }
    return { successfulKeys, failedKeys };
  }

  private batchGet(items: Record<string, unknown>[]): Json {
    const successfulKeys: unknown[] = [];
    const failedKeys: unknown[] = [];
    for (const item of items) {
      const key = checkKey(item.key, 'KEY_TOO_SHORT');
      const found = this.live(this.storeFor(item), key);
      const ids = { key, ...(item.entityName ? { entityName: item.entityName } : {}) };
      if (found) successfulKeys.push({ ...ids, value: structuredClone(found.value) });
      else failedKeys.push({ ...ids, error: { code: 'KEY_NOT_FOUND', message: `The key ${key} does not exist` } });
    }
    return { successfulKeys, failedKeys };
  }

  /** runtime-reference/storage-api-query and storage-reference/handling-errors-kvs. */
  private query(body: Record<string, unknown>): Json {
    const where = (body.where ?? []) as Condition[];
    if (where.length > 1) throw new KvsFailure(400, 'QUERY_WHERE_INVALID', 'KVS queries should contain only a single "where" clause.');
    const prefix = where[0];
    if (prefix && prefix.property !== 'key') throw new KvsFailure(400, 'QUERY_WHERE_FIELD_INVALID', 'The specified field is not supported for filters.');
    if (prefix && prefix.condition !== 'BEGINS_WITH') throw new KvsFailure(400, 'INVALID_FILTER_CONDITION', 'The specified condition is not supported for filters.');
    const requested = positiveLimit(body.limit);
    if (requested >= KVS_QUERY_LIMIT_REFUSED_FROM) throw new KvsFailure(400, 'LIST_QUERY_LIMIT_EXCEEDED', 'Limit for list query should be below 100.');
    const limit = Math.min(MAX_KVS_QUERY_LIMIT, requested);
    const keys = [...this.plain.keys()].filter((k) => this.live(this.plain, k) && (!prefix || k.startsWith(String(prefix.values[0])))).sort();
    const after = typeof body.after === 'string' ? (decodeCursor(body.after).key ?? '') : null;
    const start = after === null ? 0 : keys.findIndex((k) => k > after);
    const page = start < 0 ? [] : keys.slice(start, start + limit);
    const more = start >= 0 && start + limit < keys.length;
    const last = page[page.length - 1];
    return {
      data: page.map((key) => ({ key, value: structuredClone(this.plain.get(key)?.value) })),
      ...(more && last !== undefined ? { cursor: encodeCursor({ key: last }) } : {}),
    };
  }

  /** runtime-reference/storage-api-query-complex and storage-reference/handling-errors-customentities. */
  private queryEntity(body: Record<string, unknown>): Json {
    const name = String(body.entityName);
    const definition = this.definition(name);
    const index = definition.indexes.find((i) => i.name === body.indexName);
    if (!index) throw new KvsFailure(400, 'INVALID_ENTITY_INDEX', `Entity ${name} has no index ${String(body.indexName)}`);
    // storage-api-query-complex: "If your index's partition has multiple attributes, then you must set a value for each attribute". Code not documented.
    const partition = (body.partition ?? []) as Json[];
    if (partition.length !== index.partition.length) {
      throw new KvsFailure(400, 'INVALID_PARTITION', `Index ${index.name} needs ${index.partition.length} partition value(s), got ${partition.length}`);
    }
    const requested = body.limit === undefined ? DEFAULT_QUERY_LIMIT : Number(body.limit);
    if (!Number.isInteger(requested) || requested < 1 || requested > MAX_ENTITY_QUERY_LIMIT) {
      throw new KvsFailure(400, 'COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE', 'The page limit must be set between 1 and 100.');
    }
    const rangeAttribute = index.range[0] as string;
    const range = body.range as Condition | undefined;
    if (range && !WHERE_CONDITIONS.has(range.condition)) throw new KvsFailure(400, 'INVALID_CONDITION', `where does not take ${range.condition}`);
    if (range) checkConditionValues(range);
    const filters = body.filters as Filters | undefined;
    if (filters && filters.and && filters.or) {
      throw new KvsFailure(400, 'INVALID_FILTER_OPERATORS_COMBINATION', 'Filter operators "and" and "or" cannot be present at the same level.');
    }
    const conditions = (range ? 1 : 0) + (filters?.and?.length ?? 0) + (filters?.or?.length ?? 0);
    if (conditions > MAX_QUERY_CONDITIONS) throw new KvsFailure(400, 'INVALID_REQUEST', `A query can have at most ${MAX_QUERY_CONDITIONS} conditions`);
    const descending = body.sort === 'DESC';
    const store = this.entityStore(name);
    // An index holds the entities that have each of its attributes (not documented, see top).
    const rows = [...store.keys()]
      .flatMap((key) => {
        const item = this.live(store, key);
        return item ? [{ key, value: item.value as Record<string, Json> }] : [];
      })
      .filter(({ value }) => [...index.partition, rangeAttribute].every((a) => value[a] !== undefined))
      .filter(({ value }) => index.partition.every((a, i) => value[a] === partition[i]))
      .filter(({ value }) => !range || matches(value[rangeAttribute], range))
      .sort((a, b) => compare(a.value[rangeAttribute], b.value[rangeAttribute]) || compare(a.key, b.key));
    if (descending) rows.reverse();
    const position = (row: { key: string; value: Record<string, Json> }) => JSON.stringify([row.value[rangeAttribute], row.key]);
    const after = typeof body.cursor === 'string' ? decodeCursor(body.cursor).position : null;
    const start = after === null ? 0 : rows.findIndex((r) => position(r) === after) + 1;
    if (after !== null && start === 0) throw new KvsFailure(400, 'INVALID_CURSOR', 'The cursor is not valid for this query');
    // storage-api-query-complex: and/or filters "are in-memory filters. Using them can sometimes
    // produce pages with no results, with cursor pointing to the next page": the limit applies first.
    const read = rows.slice(start, start + requested);
    const more = start + requested < rows.length;
    const last = read[read.length - 1];
    return {
      data: read.filter(({ value }) => passesFilters(value, filters)).map(({ key, value }) => ({ key, value: structuredClone(value) })),
      ...(more && last ? { cursor: encodeCursor({ position: position(last) }) } : {}),
    };
  }

  // ---- transactions --------------------------------------------------------------------------

  /** limits-kvs-ce (Transaction limits), storage-reference/transactions-entities and transactions. */
  private transact(body: Record<string, unknown>, bodyBytes: number): Json {
    const sets = (body.set ?? []) as Record<string, unknown>[];
    const deletes = (body.delete ?? []) as Record<string, unknown>[];
    const checks = (body.check ?? []) as Record<string, unknown>[];
    const count = sets.length + deletes.length + checks.length;
    if (count === 0) throw new KvsFailure(400, 'INVALID_REQUEST', 'A transaction needs at least one operation');
    // "Each transaction can contain a maximum of 25 operations." Code not documented.
    if (count > MAX_TRANSACTION_OPERATIONS) {
      throw new KvsFailure(400, 'TOO_MANY_OPERATIONS', `A transaction can contain at most ${MAX_TRANSACTION_OPERATIONS} operations, got ${count}`);
    }
    // "Each transaction is limited to a payload size of 4MB." Code not documented.
    if (bodyBytes > MAX_TRANSACTION_BYTES) throw new KvsFailure(400, 'PAYLOAD_TOO_LARGE', 'A transaction payload is limited to 4MB');
    const seen = new Set<string>();
    for (const op of [...sets, ...deletes, ...checks]) {
      // "Each key can only be used once in a transaction." Code not documented.
      const id = `${String(op.entityName ?? '')}\u0000${String(op.key)}`;
      if (seen.has(id)) throw new KvsFailure(400, 'DUPLICATE_KEY', `Each key can only be used once in a transaction: ${String(op.key)}`);
      seen.add(id);
      checkKey(op.key, op.entityName ? 'EMPTY_KEY' : 'KEY_TOO_SHORT');
      if (op.entityName) this.definition(String(op.entityName));
      if (op.conditions !== undefined && !op.entityName) {
        throw new KvsFailure(400, 'INVALID_REQUEST', 'Conditions only apply to custom entities');
      }
    }
    // transactions-entities: "Data stored through transactions is still subject to Custom entities limits".
    for (const op of sets) {
      checkValue(op.value);
      if (op.entityName) this.checkEntityValue(String(op.entityName), op.value);
      this.expiryOf((op.options as { ttl?: unknown } | undefined)?.ttl);
    }
    // transactions-entities: transact.check "Conditions are mandatory".
    for (const op of checks) if (!op.entityName || !op.conditions) throw new KvsFailure(400, 'INVALID_REQUEST', 'A check needs an entity and conditions');
    // "if any condition is not met, the entire transaction will fail": all checked before any write.
    for (const op of [...sets, ...deletes, ...checks]) {
      if (op.conditions === undefined) continue;
      const current = this.live(this.entityStore(String(op.entityName)), String(op.key));
      if (!current || !passesFilters(current.value as Record<string, Json>, op.conditions as Filters)) {
        throw new KvsFailure(409, 'CONDITIONAL_CHECK_FAILED', `The transaction was cancelled: the condition on ${String(op.key)} is not met`);
      }
    }
    const now = this.tick();
    for (const op of sets) {
      const store = this.storeFor(op);
      const key = String(op.key);
      const expiresAt = this.expiryOf((op.options as { ttl?: unknown } | undefined)?.ttl);
      store.set(key, { value: structuredClone(op.value), createdAt: this.live(store, key)?.createdAt ?? now, updatedAt: now, expiresAt });
    }
    for (const op of deletes) this.storeFor(op).delete(String(op.key));
    return '';
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The item unless its TTL has run out (expired items read as absent). */
  private live(store: Map<string, Item>, key: string): Item | undefined {
    const item = store.get(key);
    return item && (item.expiresAt === null || item.expiresAt > this.clock) ? item : undefined;
  }

  /** storage-reference/entities-api (TTL): a positive value in a known unit, at most 1 year. Code not documented. */
  private expiryOf(ttl: unknown): number | null {
    if (ttl === undefined) return null;
    const { value, unit } = (ttl ?? {}) as { value?: unknown; unit?: unknown };
    const ms = typeof value === 'number' && typeof unit === 'string' && TTL_UNIT_MS[unit] ? value * (TTL_UNIT_MS[unit] as number) : NaN;
    if (!(ms > 0) || ms > MAX_TTL_MS) throw new KvsFailure(400, 'INVALID_TTL', 'A TTL must be positive and at most 1 year');
    return this.clock + ms;
  }

  private storeFor(item: Record<string, unknown>): Map<string, Item> {
    return item.entityName ? this.entityStore(String(item.entityName)) : this.plain;
  }

  private entityStore(name: string): Map<string, Item> {
    this.definition(name);
    return this.entities.get(name) as Map<string, Item>;
  }

  /** handling-errors-customentities: ENTITY_TYPE_TOO_SHORT, ENTITY_TYPE_TOO_LARGE, INVALID_ENTITY_TYPE. */
  private definition(name: string): EntityDefinition {
    if (name.length < 3) throw new KvsFailure(400, 'ENTITY_TYPE_TOO_SHORT', 'The provided key needs to be more than 3 characters.');
    if (name.length > 60) throw new KvsFailure(400, 'ENTITY_TYPE_TOO_LARGE', 'The provided key has exceeded the maximum 60 characters.');
    if (!ENTITY_NAME_PATTERN.test(name)) throw new KvsFailure(400, 'INVALID_ENTITY_TYPE', `Invalid entity name ${name}`);
    const definition = this.definitions.get(name);
    if (!definition) throw new KvsFailure(400, 'INVALID_ENTITY_TYPE', `Entity ${name} is not declared in the manifest`);
    return definition;
  }

  /**
   * handling-errors-customentities: INVALID_ENTITY_VALUE "Entity values must match one of the types
   * defined in Custom Entities"; the types' rules: runtime-reference/custom-entities (Values).
   */
  private checkEntityValue(name: string, value: Json): void {
    const definition = this.definition(name);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new KvsFailure(400, 'INVALID_ENTITY_VALUE', `A ${name} entity must be an object`);
    }
    const attributes = value as Record<string, Json>;
    for (const [attribute, attributeValue] of Object.entries(attributes)) {
      const type = definition.attributes[attribute];
      if (!type) throw new KvsFailure(400, 'INVALID_ENTITY_VALUE', `Attribute ${attribute} is not declared for entity ${name}`);
      const problem = typeProblem(attributeValue, type);
      if (problem) throw new KvsFailure(400, 'INVALID_ENTITY_VALUE', `Attribute ${name}.${attribute} ${problem}`);
    }
    // runtime-reference/custom-entities (Index): combined range values ≤ 900 bytes, partition ≤ 1700. Code not documented.
    for (const index of definition.indexes) {
      if (indexBytes(attributes, index.range) > MAX_RANGE_VALUE_BYTES) {
        throw new KvsFailure(400, 'INVALID_ENTITY_VALUE', `The range values of index ${index.name} exceed ${MAX_RANGE_VALUE_BYTES} bytes`);
      }
      if (indexBytes(attributes, index.partition) > MAX_PARTITION_VALUE_BYTES) {
        throw new KvsFailure(400, 'INVALID_ENTITY_VALUE', `The partition values of index ${index.name} exceed ${MAX_PARTITION_VALUE_BYTES} bytes`);
      }
    }
  }

  private tick(): number {
    this.clock += 1;
    return this.clock;
  }
}

interface FakeResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

function respond(status: number, body: Json): FakeResponse {
  const text = body === '' ? '' : JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: status === 200 ? 'OK' : 'Error',
    headers: { get: (name: string) => (name.toLowerCase() === 'x-trace-id' ? 'fake-trace' : null) },
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
  };
}

/** handling-errors-kvs (KEY_TOO_SHORT, KEY_TOO_LONG, INVALID_KEY), handling-errors-customentities (EMPTY_KEY). */
function checkKey(raw: unknown, emptyCode: string): string {
  const key = typeof raw === 'string' ? raw : '';
  if (key.length === 0) throw new KvsFailure(400, emptyCode, 'Key cannot be empty.');
  if (key.length > MAX_KEY_LENGTH) throw new KvsFailure(400, 'KEY_TOO_LONG', 'The provided key has exceeded the maximum 500 characters.');
  if (!KEY_PATTERN.test(key)) throw new KvsFailure(400, 'INVALID_KEY', `The provided key does not match the regex: ${KEY_PATTERN}`);
  return key;
}

/** handling-errors-kvs / handling-errors-customentities: MAX_SIZE, MAX_DEPTH. */
function checkValue(value: Json): void {
  if (value === undefined) throw new KvsFailure(400, 'INVALID_VALUE', 'A value is required');
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_VALUE_BYTES) {
    throw new KvsFailure(400, 'MAX_SIZE', 'The provided value has exceeded the maximum size limit.');
  }
  if (depthOf(value) > MAX_OBJECT_DEPTH) throw new KvsFailure(400, 'MAX_DEPTH', `The provided value has exceeded the maximum object depth (${MAX_OBJECT_DEPTH}) limit.`);
}

function depthOf(value: Json): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const child of Object.values(value as Record<string, Json>)) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

/** What is wrong with a value for an attribute type (runtime-reference/custom-entities, Values), or null. */
function typeProblem(value: Json, type: AttributeType): string | null {
  switch (type) {
    case 'any':
      // "The any type supports: string, integer, float, boolean, object, array" (no null).
      return value === null ? 'of type any cannot be null' : null;
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      return /\S/.test(value) ? null : 'must not be empty and must contain a non-whitespace character';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer';
      return value >= MIN_INTEGER && value <= MAX_INTEGER ? null : 'must be a 32-bit signed integer';
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      const magnitude = Math.abs(value);
      return value === 0 || (magnitude >= MIN_FLOAT_MAGNITUDE && magnitude <= MAX_FLOAT_MAGNITUDE) ? null : 'is outside the float range';
    }
  }
}

function indexBytes(value: Record<string, Json>, attributes: readonly string[]): number {
  return attributes.reduce((n, a) => n + (value[a] === undefined ? 0 : Buffer.byteLength(typeof value[a] === 'string' ? value[a] : JSON.stringify(value[a]), 'utf8')), 0);
}

/** runtime-reference/custom-entities (Limitations): what `forge deploy` would refuse in the manifest. */
export function checkDefinitions(definitions: readonly EntityDefinition[]): void {
  const refuse = (message: string) => {
    throw new Error(`manifest app.storage.entities: ${message}`);
  };
  if (definitions.length > MAX_ENTITIES) refuse(`an app can have at most ${MAX_ENTITIES} entities, got ${definitions.length}`);
  const names = new Set<string>();
  for (const d of definitions) {
    if (names.has(d.name)) refuse(`entity ${d.name} is declared twice`);
    names.add(d.name);
    if (d.name.length < 3 || d.name.length > 60 || !ENTITY_NAME_PATTERN.test(d.name)) refuse(`invalid entity name ${d.name}`);
    const attributes = Object.entries(d.attributes);
    if (attributes.length > MAX_ATTRIBUTES) refuse(`entity ${d.name} has ${attributes.length} attributes; at most ${MAX_ATTRIBUTES}`);
    for (const [attribute, type] of attributes) {
      if (!ATTRIBUTE_NAME_PATTERN.test(attribute) || attribute.length > MAX_ATTRIBUTE_NAME_LENGTH) refuse(`invalid attribute name ${d.name}.${attribute}`);
      if (!ATTRIBUTE_TYPES.includes(type)) refuse(`attribute ${d.name}.${attribute} has unknown type ${String(type)}`);
    }
    if (d.indexes.length > MAX_INDEXES) refuse(`entity ${d.name} has ${d.indexes.length} indexes; at most ${MAX_INDEXES}`);
    const indexNames = new Set<string>();
    for (const index of d.indexes) {
      if (indexNames.has(index.name)) refuse(`index ${d.name}.${index.name} is declared twice`);
      indexNames.add(index.name);
      if (index.name.length < 3 || index.name.length > 50 || !INDEX_NAME_PATTERN.test(index.name)) refuse(`invalid index name ${d.name}.${index.name}`);
      // "range ... can only have one attribute"; range and partition "accept all data types (except for any)".
      if (index.range.length !== 1) refuse(`index ${d.name}.${index.name} needs exactly one range attribute`);
      for (const attribute of [...index.partition, ...index.range]) {
        const type = d.attributes[attribute];
        if (!type) refuse(`index ${d.name}.${index.name} uses undeclared attribute ${attribute}`);
        if (type === 'any') refuse(`index ${d.name}.${index.name} cannot use attribute ${attribute} of type any`);
      }
    }
  }
}

function positiveLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_QUERY_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new KvsFailure(400, 'INVALID_LIMIT', 'The limit must be a positive integer');
  return n;
}

/** handling-errors-customentities: INSUFFICIENT_FILTER_VALUES "The specified condition needs at least two values." */
function checkConditionValues(clause: Condition): void {
  if (clause.condition === 'BETWEEN' && (clause.values ?? []).length < 2) {
    throw new KvsFailure(400, 'INSUFFICIENT_FILTER_VALUES', 'The specified condition needs at least two values.');
  }
}

function compare(a: Json, b: Json): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function matches(actual: Json, clause: Condition): boolean {
  const [first, second] = clause.values;
  switch (clause.condition) {
    case 'EQUAL_TO':
      return actual === first;
    case 'NOT_EQUAL_TO':
      return actual !== first;
    case 'BEGINS_WITH':
      return typeof actual === 'string' && actual.startsWith(String(first));
    case 'BETWEEN':
      return actual !== undefined && compare(actual, first) >= 0 && compare(actual, second) <= 0;
    case 'GREATER_THAN':
      return actual !== undefined && compare(actual, first) > 0;
    case 'GREATER_THAN_EQUAL_TO':
      return actual !== undefined && compare(actual, first) >= 0;
    case 'LESS_THAN':
      return actual !== undefined && compare(actual, first) < 0;
    case 'LESS_THAN_EQUAL_TO':
      return actual !== undefined && compare(actual, first) <= 0;
    case 'CONTAINS':
      return typeof actual === 'string' ? actual.includes(String(first)) : Array.isArray(actual) && actual.includes(first);
    case 'NOT_CONTAINS':
      return typeof actual === 'string' ? !actual.includes(String(first)) : !(Array.isArray(actual) && actual.includes(first));
    case 'EXISTS':
      return actual !== undefined;
    case 'NOT_EXISTS':
      return actual === undefined;
    default:
      throw new KvsFailure(400, 'INVALID_CONDITION', `Unknown condition ${clause.condition}`);
  }
}

/** handling-errors-customentities: EMPTY_FILTER_OPERATOR, INSUFFICIENT_FILTER_VALUES. */
function passesFilters(value: Record<string, Json>, filters: Filters | undefined): boolean {
  if (!filters) return true;
  if (filters.and && filters.and.length === 0) throw new KvsFailure(400, 'EMPTY_FILTER_OPERATOR', 'Filter operators "and" and "or" cannot be empty.');
  if (filters.or && filters.or.length === 0) throw new KvsFailure(400, 'EMPTY_FILTER_OPERATOR', 'Filter operators "and" and "or" cannot be empty.');
  for (const c of [...(filters.and ?? []), ...(filters.or ?? [])]) checkConditionValues(c);
  if (filters.and) return filters.and.every((c) => matches(value[String(c.property)], c));
  if (filters.or) return filters.or.some((c) => matches(value[String(c.property)], c));
  return true;
}

function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64');
}

function decodeCursor(cursor: string): { key?: string; position?: string } {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { key?: string; position?: string };
  } catch {
    throw new KvsFailure(400, 'INVALID_CURSOR', 'The cursor is not valid');
  }
}

/** Reads the custom entities declared in manifest.yml (app.storage.entities). */
export function readManifestEntities(manifestPath = path.join(__dirname, '..', '..', 'manifest.yml')): EntityDefinition[] {
  const content = readFileSync(manifestPath, 'utf8');
  const parsed = new ManifestParserBuilder().withInterpolators().build().parseManifest({ content, filePath: manifestPath }) as {
    app?: { storage?: { entities?: { name: string; attributes: Record<string, { type: AttributeType }>; indexes?: (string | { name: string; partition?: string[]; range: string[] })[] }[] } };
  };
  return (parsed.app?.storage?.entities ?? []).map((e) => ({
    name: e.name,
    attributes: Object.fromEntries(Object.entries(e.attributes).map(([k, v]) => [k, v.type])),
    indexes: (e.indexes ?? []).map((i) => (typeof i === 'string' ? { name: i, partition: [], range: [i] } : { name: i.name, partition: i.partition ?? [], range: i.range })),
  }));
}

let service: FakeKvsService | null = null;

/** The shared fake service (one per test file: Jest gives every test file its own module registry). */
export function fakeKvs(): FakeKvsService {
  service ??= new FakeKvsService(readManifestEntities());
  return service;
}

/** Empties the fake storage and its counters; call it in beforeEach. Returns the service. */
export function installForgeKvsMock(): FakeKvsService {
  const s = fakeKvs();
  s.reset();
  return s;
}

/**
 * The module that replaces @forge/kvs:
 *   jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());
 * Everything is the real package except where its requests go.
 */
export function mockForgeKvsModule(): Record<string, unknown> {
  const actual = jest.requireActual<Record<string, unknown>>('@forge/kvs');
  const { KvsImpl } = jest.requireActual<{ KvsImpl: new (api: unknown) => unknown }>('@forge/kvs/out/kvs');
  const { StorageApi } = jest.requireActual<{ StorageApi: new (fetch: unknown) => unknown }>('@forge/kvs/out/storage-api');
  const instance = new KvsImpl(new StorageApi(fakeKvs().fetch));
  return { __esModule: true, ...actual, kvs: instance, default: instance };
}
