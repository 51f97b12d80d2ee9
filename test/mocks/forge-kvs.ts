import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestParserBuilder } from '@forge/manifest';

/**
 * The ONE in-memory stand-in for @forge/kvs. It replaces only the Forge storage service: the
 * real @forge/kvs classes (KvsImpl, StorageApi, the query, filter and transaction builders,
 * ForgeKvsAPIError) run unchanged on top of a fake `/api/v1/*` endpoint, so requests and errors
 * have exactly the shapes the SDK produces and parses.
 *
 * Enforced, from the Forge documentation (developer.atlassian.com/platform/forge/…):
 * - keys: 1–500 characters matching /^(?!\s+$)[a-zA-Z0-9:._\s-#]+$/ (INVALID_KEY, KEY_TOO_LONG,
 *   KEY_TOO_SHORT / EMPTY_KEY) — storage-reference/handling-errors-kvs, handling-errors-customentities;
 * - values: at most 240 KiB of JSON (MAX_SIZE) and an object depth of 32 (MAX_DEPTH) — limits-kvs-ce;
 * - kvs.query(): only `key` BEGINS_WITH, at most 20 results a page — runtime-reference/storage-api-query;
 * - custom entities: the entities, attributes, types and indexes declared in manifest.yml; index
 *   queries need every partition value; page limit 1–100 (COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE);
 * - keyPolicy FAIL_IF_EXISTS: the write is refused when the key exists;
 * - transactions: at most 25 operations, 4 MB payload, each key once, conditions on custom
 *   entities; any failed condition rolls the whole transaction back — storage-reference/transactions(-entities);
 * - a get of a missing key answers KEY_NOT_FOUND, which the SDK turns into `undefined`.
 * Not documented, chosen here and relied on by nobody's logic: the HTTP status and code of a
 * FAIL_IF_EXISTS conflict (409 KEY_CONFLICT, as reported for @forge/kvs 1.3+) and of a failed
 * transaction condition (409 CONDITIONAL_CHECK_FAILED); a condition on a missing key fails
 * (the docs: "check if key exists and meets conditions"); the default page size (10).
 *
 * Every request is answered on a later turn of the event loop, so concurrent callers really
 * interleave between requests, as they do against the real service.
 */

export const MAX_KEY_LENGTH = 500;
export const MAX_VALUE_BYTES = 240 * 1024;
export const MAX_OBJECT_DEPTH = 32;
export const MAX_KVS_QUERY_LIMIT = 20;
export const MAX_ENTITY_QUERY_LIMIT = 100;
export const MAX_TRANSACTION_OPERATIONS = 25;
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
const DEFAULT_QUERY_LIMIT = 10;
const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]+$/;
const ENTITY_NAME_PATTERN = /^(?![.-])(?!.*\.{2})[a-z0-9:\-_.]*(?<![.])$/;

type AttributeType = 'string' | 'integer' | 'float' | 'boolean' | 'any';
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
  readonly requests: KvsRequest[] = [];
  /** When set, the next request with this path fails with this error, once. */
  private injected: { path: string; status: number; code: string; message: string } | null = null;

  constructor(definitions: EntityDefinition[]) {
    this.definitions = new Map(definitions.map((d) => [d.name, d]));
    for (const d of definitions) this.entities.set(d.name, new Map());
  }

  /** Forgets every stored value and every counted request. */
  reset(): void {
    this.plain.clear();
    this.secrets.clear();
    for (const store of this.entities.values()) store.clear();
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
    return (entityName ? this.entityStore(entityName) : this.plain).get(key)?.value;
  }

  /** Overwrites a stored value behind the SDK's back, as a broken restore or a manual fix would. */
  tamper(key: string, value: Json, entityName?: string): void {
    const store = entityName ? this.entityStore(entityName) : this.plain;
    const now = this.tick();
    store.set(key, { value: structuredClone(value), createdAt: store.get(key)?.createdAt ?? now, updatedAt: now });
  }

  /** Keys stored in one entity (or the plain store), sorted. */
  keys(entityName?: string): string[] {
    return [...(entityName ? this.entityStore(entityName) : this.plain).keys()].sort();
  }

  /** Makes the next request to `path` fail, e.g. to test what a caller does when storage is down. */
  failNext(path: string, status = 500, code = 'INTERNAL_SERVER_ERROR', message = 'injected failure'): void {
    this.injected = { path, status, code, message };
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
      const result = this.handle(requestPath, body, text.length);
      return respond(200, result);
    } catch (error) {
      if (error instanceof KvsFailure) return respond(error.status, { code: error.code, message: error.message });
      throw error;
    }
  };

  private handle(requestPath: string, body: Record<string, unknown>, bodyLength: number): Json {
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
        return this.batch(body as unknown as Record<string, unknown>[], (item) => this.set(this.storeFor(item), item, (item.entityName as string) ?? null));
      case '/api/v1/batch/delete':
        return this.batch(body as unknown as Record<string, unknown>[], (item) => this.delete(this.storeFor(item), item));
      case '/api/v1/batch/get':
        return this.batchGet(body as unknown as Record<string, unknown>[]);
      case '/api/v1/transaction':
        return this.transact(body, bodyLength);
      default:
        throw new KvsFailure(404, 'NOT_FOUND', `no such storage endpoint: ${requestPath}`);
    }
  }

  // ---- plain and entity operations ---------------------------------------------------------

  private get(store: Map<string, Item>, body: Record<string, unknown>, shortCode: string): Json {
    const key = checkKey(body.key, shortCode);
    const item = store.get(key);
    if (!item) throw new KvsFailure(404, 'KEY_NOT_FOUND', `The key ${key} does not exist`);
    return { key, value: structuredClone(item.value), createdAt: item.createdAt, updatedAt: item.updatedAt };
  }

  private set(store: Map<string, Item>, body: Record<string, unknown>, entityName: string | null): Json {
    const key = checkKey(body.key, entityName ? 'EMPTY_KEY' : 'KEY_TOO_SHORT');
    checkValue(body.value);
    if (entityName) this.checkEntityValue(entityName, body.value);
    const options = (body.options ?? {}) as { keyPolicy?: string; returnValue?: string };
    const previous = store.get(key);
    if (options.keyPolicy === 'FAIL_IF_EXISTS' && previous) {
      throw new KvsFailure(409, 'KEY_CONFLICT', `The key ${key} already exists`);
    }
    const now = this.tick();
    const item = { value: structuredClone(body.value), createdAt: previous?.createdAt ?? now, updatedAt: now };
    store.set(key, item);
    if (options.returnValue === 'PREVIOUS') return previous ? { key, value: previous.value, createdAt: previous.createdAt, updatedAt: previous.updatedAt } : '';
    if (options.returnValue === 'LATEST') return { key, value: item.value, createdAt: item.createdAt, updatedAt: item.updatedAt };
    return '';
  }

  private delete(store: Map<string, Item>, body: Record<string, unknown>): Json {
    store.delete(checkKey(body.key, 'KEY_TOO_SHORT'));
    return '';
  }

  private batch(items: Record<string, unknown>[], apply: (item: Record<string, unknown>) => unknown): Json {
    if (!Array.isArray(items) || items.length === 0) throw new KvsFailure(400, 'INVALID_REQUEST', 'A batch needs at least one item');
    const seen = new Set<string>();
    for (const item of items) {
      const id = `${String(item.entityName ?? '')}\u0000${String(item.key)}`;
      if (seen.has(id)) throw new KvsFailure(400, 'INVALID_REQUEST', `Key ${String(item.key)} appears twice in one batch`);
      seen.add(id);
    }
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
    if (!Array.isArray(items) || items.length === 0) throw new KvsFailure(400, 'INVALID_REQUEST', 'A batch needs at least one item');
    const successfulKeys: unknown[] = [];
    const failedKeys: unknown[] = [];
    for (const item of items) {
      const key = checkKey(item.key, 'KEY_TOO_SHORT');
      const found = this.storeFor(item).get(key);
      const ids = { key, ...(item.entityName ? { entityName: item.entityName } : {}) };
      if (found) successfulKeys.push({ ...ids, value: structuredClone(found.value) });
      else failedKeys.push({ ...ids, error: { code: 'KEY_NOT_FOUND', message: `The key ${key} does not exist` } });
    }
    return { successfulKeys, failedKeys };
  }

  private query(body: Record<string, unknown>): Json {
    const where = (body.where ?? []) as Condition[];
    if (where.length > 1) throw new KvsFailure(400, 'INVALID_QUERY', 'A query takes a single where condition');
    const prefix = where[0];
    if (prefix && (prefix.property !== 'key' || prefix.condition !== 'BEGINS_WITH')) {
      throw new KvsFailure(400, 'INVALID_QUERY', 'The Key-Value Store only supports key BEGINS_WITH');
    }
    // Documented: "Limit the result size to 10 values, up to a maximum of 20".
    const limit = Math.min(MAX_KVS_QUERY_LIMIT, positiveLimit(body.limit));
    const keys = [...this.plain.keys()].filter((k) => !prefix || k.startsWith(String(prefix.values[0]))).sort();
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

  private queryEntity(body: Record<string, unknown>): Json {
    const name = String(body.entityName);
    const definition = this.definition(name);
    const index = definition.indexes.find((i) => i.name === body.indexName);
    if (!index) throw new KvsFailure(400, 'INVALID_ENTITY_INDEX', `Entity ${name} has no index ${String(body.indexName)}`);
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
    const filters = body.filters as Filters | undefined;
    if (filters && filters.and && filters.or) {
      throw new KvsFailure(400, 'INVALID_FILTER_OPERATORS_COMBINATION', 'Filter operators "and" and "or" cannot be present at the same level.');
    }
    const descending = body.sort === 'DESC';
    // Sparse index: an item is in it only when it has every partition and range attribute.
    const rows = [...this.entityStore(name).entries()]
      .map(([key, item]) => ({ key, value: item.value as Record<string, Json> }))
      .filter(({ value }) => [...index.partition, rangeAttribute].every((a) => value[a] !== undefined))
      .filter(({ value }) => index.partition.every((a, i) => value[a] === partition[i]))
      .filter(({ value }) => !range || matches(value[rangeAttribute], range))
      .sort((a, b) => compare(a.value[rangeAttribute], b.value[rangeAttribute]) || compare(a.key, b.key));
    if (descending) rows.reverse();
    const position = (row: { key: string; value: Record<string, Json> }) => JSON.stringify([row.value[rangeAttribute], row.key]);
    const after = typeof body.cursor === 'string' ? decodeCursor(body.cursor).position : null;
    const start = after === null ? 0 : rows.findIndex((r) => position(r) === after) + 1;
    if (after !== null && start === 0) throw new KvsFailure(400, 'INVALID_CURSOR', 'The cursor is not valid for this query');
    // Filters apply after the index read and before the limit, so a page is as full as it can be.
    const matching = rows.slice(start).filter(({ value }) => passesFilters(value, filters));
    const page = matching.slice(0, requested);
    const more = matching.length > requested;
    const last = page[page.length - 1];
    return {
      data: page.map(({ key, value }) => ({ key, value: structuredClone(value) })),
      ...(more && last ? { cursor: encodeCursor({ position: position(last) }) } : {}),
    };
  }

  // ---- transactions --------------------------------------------------------------------------

  private transact(body: Record<string, unknown>, bodyLength: number): Json {
    const sets = (body.set ?? []) as Record<string, unknown>[];
    const deletes = (body.delete ?? []) as Record<string, unknown>[];
    const checks = (body.check ?? []) as Record<string, unknown>[];
    const count = sets.length + deletes.length + checks.length;
    if (count === 0) throw new KvsFailure(400, 'INVALID_REQUEST', 'A transaction needs at least one operation');
    if (count > MAX_TRANSACTION_OPERATIONS) {
      throw new KvsFailure(400, 'TOO_MANY_OPERATIONS', `A transaction can contain at most ${MAX_TRANSACTION_OPERATIONS} operations, got ${count}`);
    }
    if (bodyLength > MAX_TRANSACTION_BYTES) throw new KvsFailure(400, 'PAYLOAD_TOO_LARGE', 'A transaction payload is limited to 4MB');
    const seen = new Set<string>();
    for (const op of [...sets, ...deletes, ...checks]) {
      const id = `${String(op.entityName ?? '')}\u0000${String(op.key)}`;
      if (seen.has(id)) throw new KvsFailure(400, 'DUPLICATE_KEY', `Each key can only be used once in a transaction: ${String(op.key)}`);
      seen.add(id);
      checkKey(op.key, op.entityName ? 'EMPTY_KEY' : 'KEY_TOO_SHORT');
      if (op.conditions !== undefined && !op.entityName) {
        throw new KvsFailure(400, 'INVALID_REQUEST', 'Conditions only apply to custom entities');
      }
    }
    for (const op of sets) {
      checkValue(op.value);
      if (op.entityName) this.checkEntityValue(String(op.entityName), op.value);
    }
    for (const op of checks) if (!op.entityName || !op.conditions) throw new KvsFailure(400, 'INVALID_REQUEST', 'A check needs an entity and conditions');
    // Every condition is evaluated before anything is written: all or nothing.
    for (const op of [...sets, ...deletes, ...checks]) {
      if (op.conditions === undefined) continue;
      const current = this.entityStore(String(op.entityName)).get(String(op.key));
      if (!current || !passesFilters(current.value as Record<string, Json>, op.conditions as Filters)) {
        throw new KvsFailure(409, 'CONDITIONAL_CHECK_FAILED', `The transaction was cancelled: the condition on ${String(op.key)} is not met`);
      }
    }
    const now = this.tick();
    for (const op of sets) {
      const store = this.storeFor(op);
      const key = String(op.key);
      store.set(key, { value: structuredClone(op.value), createdAt: store.get(key)?.createdAt ?? now, updatedAt: now });
    }
    for (const op of deletes) this.storeFor(op).delete(String(op.key));
    return '';
  }

  // ---- helpers -------------------------------------------------------------------------------

  private storeFor(item: Record<string, unknown>): Map<string, Item> {
    return item.entityName ? this.entityStore(String(item.entityName)) : this.plain;
  }

  private entityStore(name: string): Map<string, Item> {
    this.definition(name);
    return this.entities.get(name) as Map<string, Item>;
  }

  private definition(name: string): EntityDefinition {
    if (name.length < 3) throw new KvsFailure(400, 'ENTITY_TYPE_TOO_SHORT', 'The provided key needs to be more than 3 characters.');
    if (name.length > 60) throw new KvsFailure(400, 'ENTITY_TYPE_TOO_LARGE', 'The provided key has exceeded the maximum 60 characters.');
    if (!ENTITY_NAME_PATTERN.test(name)) throw new KvsFailure(400, 'INVALID_ENTITY_TYPE', `Invalid entity name ${name}`);
    const definition = this.definitions.get(name);
    if (!definition) throw new KvsFailure(400, 'INVALID_ENTITY_TYPE', `Entity ${name} is not declared in the manifest`);
    return definition;
  }

  private checkEntityValue(name: string, value: Json): void {
    const definition = this.definition(name);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new KvsFailure(400, 'INVALID_ENTITY_VALUE', `A ${name} entity must be an object`);
    }
    for (const [attribute, attributeValue] of Object.entries(value as Record<string, Json>)) {
      const type = definition.attributes[attribute];
      if (!type) throw new KvsFailure(400, 'INVALID_ENTITY_VALUE', `Attribute ${attribute} is not declared for entity ${name}`);
      if (!hasType(attributeValue, type)) {
        throw new KvsFailure(400, 'INVALID_ENTITY_VALUE', `Attribute ${name}.${attribute} must be of type ${type}`);
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

function checkKey(raw: unknown, emptyCode: string): string {
  const key = typeof raw === 'string' ? raw : '';
  if (key.length === 0) throw new KvsFailure(400, emptyCode, 'Key cannot be empty.');
  if (key.length > MAX_KEY_LENGTH) throw new KvsFailure(400, 'KEY_TOO_LONG', 'The provided key has exceeded the maximum 500 characters.');
  if (!KEY_PATTERN.test(key)) throw new KvsFailure(400, 'INVALID_KEY', `The provided key does not match the regex: ${KEY_PATTERN}`);
  return key;
}

function checkValue(value: Json): void {
  if (value === undefined) throw new KvsFailure(400, 'INVALID_VALUE', 'A value is required');
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_VALUE_BYTES) {
    throw new KvsFailure(400, 'MAX_SIZE', 'The provided value has exceeded the maximum size limit.');
  }
  if (depthOf(value) > MAX_OBJECT_DEPTH) throw new KvsFailure(400, 'MAX_DEPTH', 'The provided value has exceeded the maximum object depth (32) limit.');
}

function depthOf(value: Json): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const child of Object.values(value as Record<string, Json>)) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

function hasType(value: Json, type: AttributeType): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
  }
}

function positiveLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_QUERY_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new KvsFailure(400, 'INVALID_LIMIT', 'The limit must be a positive integer');
  return n;
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

function passesFilters(value: Record<string, Json>, filters: Filters | undefined): boolean {
  if (!filters) return true;
  if (filters.and && filters.and.length === 0) throw new KvsFailure(400, 'EMPTY_FILTER_OPERATOR', 'Filter operators "and" and "or" cannot be empty.');
  if (filters.or && filters.or.length === 0) throw new KvsFailure(400, 'EMPTY_FILTER_OPERATOR', 'Filter operators "and" and "or" cannot be empty.');
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
