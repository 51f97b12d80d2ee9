import { kvs, Filter, FilterConditions, Sort, WhereConditions } from '@forge/kvs';
import {
  checkDefinitions,
  installForgeKvsMock,
  readManifestEntities,
  type EntityDefinition,
  type FakeKvsService,
} from '../mocks/forge-kvs';

// Each test proves the @forge/kvs stand-in refuses what the documented platform refuses, with
// the documented status and code where the docs name one. The rule and its page are listed in
// docs/platform-rules.md ("Forge storage: key-value store and custom entities").

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());

let service: FakeKvsService;

beforeEach(() => {
  service = installForgeKvsMock();
});

interface Refusal {
  code?: string;
  responseDetails?: { status?: number };
}

async function rejection(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('expected the call to be refused');
}

/** Sends a request body the SDK's builders cannot produce, straight to the storage endpoint. */
async function raw(path: string, body: unknown): Promise<{ status: number; code?: string }> {
  const response = await service.fetch(path, { body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, ...(text ? { code: (JSON.parse(text) as { code?: string }).code } : {}) };
}

const head = (overrides: Record<string, unknown> = {}) => ({ scopeId: '10000', token: 't1', seq: 0, hash: 'abc', scopeVersion: '1.0', baselines: [], ext: {}, ...overrides });
const entry = (overrides: Record<string, unknown> = {}) => ({
  scopeId: '10000',
  seq: 0,
  kind: 'closure_allowed',
  actorId: '-',
  deliverableId: '10042',
  atMs: Date.parse('2026-03-02T09:00:00.000Z'),
  noReason: 0,
  changeId: '-',
  recordId: 'rec-0',
  ...overrides,
});

describe('keys', () => {
  it('refuses a key longer than 500 characters with KEY_TOO_LONG', async () => {
    expect(await rejection(kvs.set('k'.repeat(501), 1))).toMatchObject({ code: 'KEY_TOO_LONG', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('scope-head').set('k'.repeat(501), head()))).toMatchObject({ code: 'KEY_TOO_LONG', responseDetails: { status: 400 } });
    await kvs.set('k'.repeat(500), 1);
    expect(await kvs.get('k'.repeat(500))).toBe(1);
  });

  it('refuses a key with a character outside letters, digits, :._-# and spaces with INVALID_KEY', async () => {
    expect(await rejection(kvs.set('scope/10000', 1))).toMatchObject({ code: 'INVALID_KEY', responseDetails: { status: 400 } });
  });

  it('refuses a key of only spaces with INVALID_KEY', async () => {
    expect(await rejection(kvs.set('   ', 1))).toMatchObject({ code: 'INVALID_KEY', responseDetails: { status: 400 } });
  });

  it('refuses an empty key with KEY_TOO_SHORT for plain keys and EMPTY_KEY for entities', async () => {
    expect(await rejection(kvs.set('', 1))).toMatchObject({ code: 'KEY_TOO_SHORT', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('scope-head').set('', head()))).toMatchObject({ code: 'EMPTY_KEY', responseDetails: { status: 400 } });
  });

  it('answers undefined for a key that was never stored', async () => {
    expect(await kvs.get('missing')).toBeUndefined();
    expect(await kvs.entity('scope-head').get('missing')).toBeUndefined();
  });
});

describe('values', () => {
  it('refuses a value larger than 240 KiB with MAX_SIZE', async () => {
    expect(await rejection(kvs.set('big', 'x'.repeat(240 * 1024)))).toMatchObject({ code: 'MAX_SIZE', responseDetails: { status: 400 } });
    await kvs.set('fits', 'x'.repeat(240 * 1024 - 2));
  });

  it('refuses a value nested deeper than 31 levels with MAX_DEPTH', async () => {
    const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });
    expect(await rejection(kvs.set('deep', nest(32)))).toMatchObject({ code: 'MAX_DEPTH', responseDetails: { status: 400 } });
    await kvs.set('deep', nest(31));
  });
});

describe('custom entity attribute values', () => {
  it('refuses an empty string attribute with INVALID_ENTITY_VALUE, as the old empty project head was', async () => {
    expect(await rejection(kvs.entity('scope-head').set('10000', head({ hash: '' })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('scope-head').set('10000', head({ scopeVersion: '' })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE' });
    expect(await kvs.entity('scope-head').get('10000')).toBeUndefined();
  });

  it('refuses a string attribute of only whitespace with INVALID_ENTITY_VALUE', async () => {
    expect(await rejection(kvs.entity('scope-head').set('10000', head({ hash: ' \t ' })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
  });

  it('accepts a head that leaves out the attributes it has no value for', async () => {
    await kvs.entity('scope-head').set('10000', { scopeId: '10000', token: 't1', seq: -1, baselines: [], ext: {} });
    expect(await kvs.entity('scope-head').get('10000')).toMatchObject({ seq: -1 });
  });

  it('refuses an integer attribute outside 32 bits, such as epoch milliseconds, with INVALID_ENTITY_VALUE', async () => {
    const atMs = Date.parse('2026-03-02T09:00:00.000Z');
    expect(await rejection(kvs.entity('history-entry').set('e1', entry({ seq: atMs })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('history-entry').set('e1', entry({ seq: 2_147_483_648 })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE' });
    expect(await rejection(kvs.entity('history-entry').set('e1', entry({ seq: -2_147_483_649 })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE' });
    await kvs.entity('history-entry').set('e1', entry({ seq: 2_147_483_647 }));
    await kvs.entity('history-entry').set('e2', entry({ seq: -2_147_483_648 }));
  });

  it('refuses a fraction in an integer attribute with INVALID_ENTITY_VALUE', async () => {
    expect(await rejection(kvs.entity('history-entry').set('e1', entry({ seq: 1.5 })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
  });

  it('accepts epoch milliseconds in a float attribute and refuses floats outside the documented range', async () => {
    await kvs.entity('history-entry').set('e1', entry({ atMs: Date.parse('2026-03-02T09:00:00.000Z') }));
    await kvs.entity('history-entry').set('e2', entry({ atMs: 0 }));
    expect(await rejection(kvs.entity('history-entry').set('e3', entry({ atMs: 1e-131 })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('history-entry').set('e3', entry({ atMs: -1e127 })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE' });
  });

  it('refuses a value of another type than the attribute declares with INVALID_ENTITY_VALUE', async () => {
    expect(await rejection(kvs.entity('history-entry').set('e1', entry({ kind: 7 })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('history-entry').set('e1', entry({ seq: '7' })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE' });
    expect(await rejection(kvs.entity('history-entry').set('e1', entry({ inSegment: 'true' })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE' });
  });

  it('refuses null in an attribute of type any with INVALID_ENTITY_VALUE', async () => {
    expect(await rejection(kvs.entity('scope-head').set('10000', head({ ext: null })))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
  });

  it('refuses an attribute the manifest does not declare', async () => {
    expect(await rejection(kvs.entity('deliverable').set('jira:1', { platform: 'jira', secret: 'x' }))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
  });

  it('refuses an entity value that is not an object with INVALID_ENTITY_VALUE', async () => {
    expect(await rejection(kvs.entity('deliverable').set('jira:1', ['jira'] as unknown as object))).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
  });

  it('refuses an index range value over 900 bytes and partition values over 1700 bytes', async () => {
    const slot = { platform: 'linear', scopeId: 'team', version: 0 };
    expect(await rejection(kvs.entity('deliverable').set('linear:long', { ...slot, deliverableId: 'x'.repeat(901) }))).toMatchObject({ responseDetails: { status: 400 } });
    await kvs.entity('deliverable').set('linear:fits', { ...slot, deliverableId: 'x'.repeat(900) });
    expect(await rejection(kvs.entity('history-entry').set('e1', entry({ scopeId: '10000', deliverableId: 'd'.repeat(1696) })))).toMatchObject({ responseDetails: { status: 400 } });
    await kvs.entity('history-entry').set('e1', entry({ scopeId: '10000', deliverableId: 'd'.repeat(1695) }));
  });

  it('refuses an entity name that is too short, too long, malformed or undeclared', async () => {
    expect(await rejection(kvs.entity('ab').get('k'))).toMatchObject({ code: 'ENTITY_TYPE_TOO_SHORT', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('e'.repeat(61)).get('k'))).toMatchObject({ code: 'ENTITY_TYPE_TOO_LARGE', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('Scope-Head').get('k'))).toMatchObject({ code: 'INVALID_ENTITY_TYPE', responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('scope-tail').get('k'))).toMatchObject({ code: 'INVALID_ENTITY_TYPE', responseDetails: { status: 400 } });
  });
});

describe('entity declarations in the manifest', () => {
  const entity = (overrides: Partial<EntityDefinition> = {}): EntityDefinition => ({
    name: 'employee',
    attributes: { surname: 'string', age: 'integer', notes: 'any' },
    indexes: [{ name: 'by-age', partition: ['surname'], range: ['age'] }],
    ...overrides,
  });

  it('accepts the entities manifest.yml declares', () => {
    expect(() => checkDefinitions(readManifestEntities())).not.toThrow();
  });

  it('refuses more than 20 entities in an app', () => {
    expect(() => checkDefinitions(Array.from({ length: 21 }, (_, i) => entity({ name: `entity-${i}` })))).toThrow(/at most 20 entities/);
    expect(() => checkDefinitions(Array.from({ length: 20 }, (_, i) => entity({ name: `entity-${i}` })))).not.toThrow();
  });

  it('refuses more than 50 attributes or 7 indexes on one entity', () => {
    const attributes = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, 'string' as const]));
    expect(() => checkDefinitions([entity({ attributes, indexes: [] })])).toThrow(/at most 50/);
    const indexes = Array.from({ length: 8 }, (_, i) => ({ name: `by-age-${i}`, partition: [], range: ['age'] }));
    expect(() => checkDefinitions([entity({ indexes })])).toThrow(/at most 7/);
  });

  it('refuses an index on an attribute of type any, or with other than one range attribute', () => {
    expect(() => checkDefinitions([entity({ indexes: [{ name: 'by-notes', partition: [], range: ['notes'] }] })])).toThrow(/type any/);
    expect(() => checkDefinitions([entity({ indexes: [{ name: 'by-two', partition: [], range: ['age', 'surname'] }] })])).toThrow(/exactly one range/);
  });

  it('refuses malformed entity, attribute and index names', () => {
    expect(() => checkDefinitions([entity({ name: '_employee' })])).toThrow(/invalid entity name/);
    expect(() => checkDefinitions([entity({ attributes: { '1st': 'string', age: 'integer', surname: 'string' } })])).toThrow(/invalid attribute name/);
    expect(() => checkDefinitions([entity({ indexes: [{ name: 'by..age', partition: [], range: ['age'] }] })])).toThrow(/invalid index name/);
  });
});

describe('queries', () => {
  it('returns at most 20 results a page from kvs.query and pages through the rest with the cursor', async () => {
    for (let i = 0; i < 45; i += 1) await kvs.set(`item:${String(i).padStart(2, '0')}`, i);
    const first = await kvs.query().where('key', WhereConditions.beginsWith('item:')).limit(50).getMany();
    expect(first.results).toHaveLength(20);
    const second = await kvs.query().where('key', WhereConditions.beginsWith('item:')).limit(20).cursor(first.nextCursor as string).getMany();
    const third = await kvs.query().where('key', WhereConditions.beginsWith('item:')).limit(20).cursor(second.nextCursor as string).getMany();
    expect([...first.results, ...second.results, ...third.results].map((r) => r.value)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(third.nextCursor).toBeUndefined();
  });

  it('refuses a kvs.query limit of 100 or more with LIST_QUERY_LIMIT_EXCEEDED', async () => {
    expect(await rejection(kvs.query().limit(100).getMany())).toMatchObject({ code: 'LIST_QUERY_LIMIT_EXCEEDED', responseDetails: { status: 400 } });
  });

  it('refuses a kvs.query on another field than the key, or with another condition than beginsWith', async () => {
    expect(await raw('/api/v1/query', { where: [{ property: 'value', condition: 'BEGINS_WITH', values: ['a'] }] })).toEqual({ status: 400, code: 'QUERY_WHERE_FIELD_INVALID' });
    expect(await raw('/api/v1/query', { where: [{ property: 'key', condition: 'EQUAL_TO', values: ['a'] }] })).toEqual({ status: 400, code: 'INVALID_FILTER_CONDITION' });
    expect(
      await raw('/api/v1/query', {
        where: [
          { property: 'key', condition: 'BEGINS_WITH', values: ['a'] },
          { property: 'key', condition: 'BEGINS_WITH', values: ['b'] },
        ],
      }),
    ).toEqual({ status: 400, code: 'QUERY_WHERE_INVALID' });
  });

  it('refuses an entity query page limit outside 1 to 100 with COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE', async () => {
    const query = () => kvs.entity('history-entry').query().index('by-seq', { partition: ['10000'] });
    expect(await rejection(query().limit(101).getMany())).toMatchObject({ code: 'COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE', responseDetails: { status: 400 } });
    expect(await rejection(query().limit(0).getMany())).toMatchObject({ code: 'COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE' });
    expect((await query().limit(100).getMany()).results).toEqual([]);
  });

  it('returns 10 entities a page when an entity query sets no limit', async () => {
    for (let i = 0; i < 12; i += 1) await kvs.entity('history-entry').set(`e${i}`, entry({ seq: i }));
    const page = await kvs.entity('history-entry').query().index('by-seq', { partition: ['10000'] }).getMany();
    expect(page.results).toHaveLength(10);
    expect(page.nextCursor).toBeDefined();
  });

  it('refuses an index query without a value for every partition attribute', async () => {
    expect(await rejection(kvs.entity('history-entry').query().index('by-deliverable', { partition: ['10000'] }).getMany())).toMatchObject({ responseDetails: { status: 400 } });
  });

  it('refuses a query on an index the entity does not declare with INVALID_ENTITY_INDEX', async () => {
    expect(await rejection(kvs.entity('history-entry').query().index('by-colour', { partition: ['10000'] }).getMany())).toMatchObject({ code: 'INVALID_ENTITY_INDEX', responseDetails: { status: 400 } });
  });

  it('refuses and and or filters at the same level, and empty filter operators', async () => {
    const base = { entityName: 'history-entry', indexName: 'by-seq', partition: ['10000'] };
    const condition = { property: 'kind', condition: 'EQUAL_TO', values: ['x'] };
    expect(await raw('/api/v1/entity/query', { ...base, filters: { and: [condition], or: [condition] } })).toEqual({ status: 400, code: 'INVALID_FILTER_OPERATORS_COMBINATION' });
    await kvs.entity('history-entry').set('e1', entry());
    expect(await raw('/api/v1/entity/query', { ...base, filters: { and: [] } })).toEqual({ status: 400, code: 'EMPTY_FILTER_OPERATOR' });
  });

  it('refuses a between condition with fewer than two values with INSUFFICIENT_FILTER_VALUES', async () => {
    const body = { entityName: 'history-entry', indexName: 'by-seq', partition: ['10000'], range: { condition: 'BETWEEN', values: [1] } };
    expect(await raw('/api/v1/entity/query', body)).toEqual({ status: 400, code: 'INSUFFICIENT_FILTER_VALUES' });
  });

  it('refuses a query with more than 100 conditions', async () => {
    let filter = new Filter<{ kind: string }>().and('kind', FilterConditions.notEqualTo('x0'));
    for (let i = 1; i <= 100; i += 1) filter = filter.and('kind', FilterConditions.notEqualTo(`x${i}`));
    expect(await rejection(kvs.entity('history-entry').query().index('by-seq', { partition: ['10000'] }).filters(filter).getMany())).toMatchObject({ responseDetails: { status: 400 } });
  });

  it('applies and/or filters after the page is read, so a page can be empty and still have a next one', async () => {
    for (let i = 0; i < 3; i += 1) await kvs.entity('history-entry').set(`e${i}`, entry({ seq: i, kind: i === 2 ? 'wanted' : 'other' }));
    const filter = new Filter<{ kind: string }>().and('kind', FilterConditions.equalTo('wanted'));
    const first = await kvs.entity('history-entry').query().index('by-seq', { partition: ['10000'] }).sort(Sort.ASC).filters(filter).limit(2).getMany();
    expect(first.results).toEqual([]);
    const second = await kvs.entity('history-entry').query().index('by-seq', { partition: ['10000'] }).sort(Sort.ASC).filters(filter).limit(2).cursor(first.nextCursor as string).getMany();
    expect(second.results.map((r) => r.key)).toEqual(['e2']);
  });
});

describe('batch operations', () => {
  const items = (n: number, entityName?: string) => Array.from({ length: n }, (_, i) => ({ key: `b${i}`, value: { n: i }, ...(entityName ? { entityName } : {}) }));

  it('refuses a batchSet of more than 25 keys and writes none of them', async () => {
    expect(await rejection(kvs.batchSet(items(26)))).toMatchObject({ responseDetails: { status: 400 } });
    expect(await kvs.get('b0')).toBeUndefined();
    expect((await kvs.batchSet(items(25))).successfulKeys).toHaveLength(25);
  });

  it('refuses a batchGet or batchDelete of more than 25 keys', async () => {
    expect(await rejection(kvs.batchGet(items(26).map(({ key }) => ({ key }))))).toMatchObject({ responseDetails: { status: 400 } });
    expect(await rejection(kvs.batchDelete(items(26).map(({ key }) => ({ key }))))).toMatchObject({ responseDetails: { status: 400 } });
  });

  it('refuses a batchSet payload over 4 MB and writes none of it', async () => {
    const big = Array.from({ length: 20 }, (_, i) => ({ key: `big${i}`, value: 'x'.repeat(200 * 1024) }));
    expect(await rejection(kvs.batchSet(big))).toMatchObject({ responseDetails: { status: 400 } });
    expect(await kvs.get('big0')).toBeUndefined();
  });

  it('refuses an empty batch and a batch that names one key twice', async () => {
    expect(await rejection(kvs.batchSet([]))).toMatchObject({ responseDetails: { status: 400 } });
    expect(await rejection(kvs.batchSet([...items(1), ...items(1)]))).toMatchObject({ responseDetails: { status: 400 } });
    expect(await rejection(kvs.batchGet([{ key: 'b0' }, { key: 'b0' }]))).toMatchObject({ responseDetails: { status: 400 } });
  });

  it('reports an entity value the platform refuses among the failed keys of a batch', async () => {
    const result = await kvs.batchSet([
      { key: 'ok', value: entry(), entityName: 'history-entry' },
      { key: 'bad', value: entry({ seq: Date.parse('2026-03-02T09:00:00.000Z') }), entityName: 'history-entry' },
    ]);
    expect(result.successfulKeys.map((k) => k.key)).toEqual(['ok']);
    expect(result.failedKeys).toMatchObject([{ key: 'bad', error: { code: 'INVALID_ENTITY_VALUE' } }]);
  });
});

describe('transactions', () => {
  it('refuses a transaction of more than 25 operations and applies none of them', async () => {
    const tx = kvs.transact();
    for (let i = 0; i < 26; i += 1) tx.set(`t${i}`, i);
    expect(await rejection(tx.execute())).toMatchObject({ responseDetails: { status: 400 } });
    expect(await kvs.get('t0')).toBeUndefined();
  });

  it('refuses a transaction payload over 4 MB and applies none of it', async () => {
    const tx = kvs.transact();
    for (let i = 0; i < 17; i += 1) tx.set(`t${i}`, 'x'.repeat(235 * 1024));
    expect(await rejection(tx.execute())).toMatchObject({ responseDetails: { status: 400 } });
    expect(await kvs.get('t0')).toBeUndefined();
  });

  it('refuses a transaction that uses one key twice', async () => {
    expect(await rejection(kvs.transact().set('same', 1).set('same', 2).execute())).toMatchObject({ responseDetails: { status: 400 } });
    expect(await kvs.get('same')).toBeUndefined();
  });

  it('rolls back every operation of a transaction whose condition fails', async () => {
    await kvs.entity('scope-head').set('s1', head({ scopeId: 's1', token: 'a' }));
    const tx = kvs
      .transact()
      .set('plain', 'written?')
      .set('s1', head({ scopeId: 's1', token: 'b', seq: 1 }), { entityName: 'scope-head', conditions: new Filter<{ token: string }>().and('token', FilterConditions.equalTo('stale')) });
    expect(await rejection(tx.execute())).toMatchObject({ responseDetails: { status: 409 } });
    expect(await kvs.get('plain')).toBeUndefined();
    expect(await kvs.entity<{ token: string }>('scope-head').get('s1')).toMatchObject({ token: 'a' });
  });

  it('refuses an entity value in a transaction by the same rules as a single write, applying nothing', async () => {
    const tx = kvs.transact().set('plain', 'written?').set('10000', head({ hash: '' }), { entityName: 'scope-head' });
    expect(await rejection(tx.execute())).toMatchObject({ code: 'INVALID_ENTITY_VALUE', responseDetails: { status: 400 } });
    expect(await kvs.get('plain')).toBeUndefined();
  });

  it('refuses a transaction check without conditions', async () => {
    expect(await raw('/api/v1/transaction', { check: [{ key: 's1', entityName: 'scope-head' }] })).toMatchObject({ status: 400 });
  });
});

describe('write options', () => {
  it('refuses to overwrite with FAIL_IF_EXISTS and keeps the first value', async () => {
    await kvs.set('once', 'first', { keyPolicy: 'FAIL_IF_EXISTS' });
    expect(await rejection(kvs.set('once', 'second', { keyPolicy: 'FAIL_IF_EXISTS' }))).toMatchObject({ responseDetails: { status: 409 } });
    expect(await kvs.get('once')).toBe('first');
  });

  it('refuses returnValue together with FAIL_IF_EXISTS', async () => {
    const options = { keyPolicy: 'FAIL_IF_EXISTS', returnValue: 'LATEST' } as unknown as { keyPolicy: 'OVERRIDE'; returnValue: 'LATEST' };
    expect(await rejection(kvs.set('once', 'first', options))).toMatchObject({ responseDetails: { status: 400 } });
  });

  it('refuses a TTL longer than one year, and forgets a value once its TTL has passed', async () => {
    expect(await rejection(kvs.set('marker', 1, { ttl: { value: 366, unit: 'DAYS' } }))).toMatchObject({ responseDetails: { status: 400 } });
    await kvs.set('marker', 1, { ttl: { value: 30, unit: 'DAYS' } });
    expect(await kvs.get('marker')).toBe(1);
    service.advance(30 * 24 * 3600 * 1000);
    expect(await kvs.get('marker')).toBeUndefined();
  });
});
