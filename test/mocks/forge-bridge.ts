import type { ResolverName, ResolverPayloads, ResolverResults } from '../../src/forge/resolvers/resolver-contract';

// The ONE fake @forge/bridge for UI tests. Use it from a test file with
//   jest.mock('@forge/bridge', () => jest.requireActual('../mocks/forge-bridge').forgeBridgeMock);
// then give each test its resolver handlers with `fakeBridge.reset({ getPanel: () => ... })`.
// Calls are recorded with payloads as they would cross the bridge (JSON round trip), so a test
// sees exactly what a resolver would receive.

export type ResolverHandler<N extends ResolverName> = (payload: ResolverPayloads[N]) => ResolverResults[N] | Promise<ResolverResults[N]>;
export type ResolverTable = { [N in ResolverName]?: ResolverHandler<N> };

export interface InvokeCall {
  name: string;
  payload: unknown;
}

export interface FlagCall {
  id: number | string;
  title?: string;
  description?: string;
  type?: string;
}

/** The Forge context a UI Kit app would get from view.getContext(); only what tests need. */
export const defaultContext = {
  accountId: 'user-viewer',
  cloudId: 'cloud-1',
  moduleKey: 'scopekeeper-panel',
  siteUrl: 'https://example.atlassian.net',
  extension: { type: 'jira:issuePanel', issue: { id: '10001', key: 'PROJ-1', type: 'Story' }, project: { id: '10000', key: 'PROJ', type: 'software' } },
};

class FakeBridge {
  calls: InvokeCall[] = [];
  flags: FlagCall[] = [];
  context: Record<string, unknown> = defaultContext;
  private handlers: ResolverTable = {};

  /** Forget earlier calls and answer with these handlers from now on. */
  reset(handlers: ResolverTable = {}, context: Record<string, unknown> = defaultContext): void {
    this.calls = [];
    this.flags = [];
    this.handlers = { ...handlers };
    this.context = context;
  }

  /** Replace or add handlers without forgetting the calls made so far. */
  handle(handlers: ResolverTable): void {
    this.handlers = { ...this.handlers, ...handlers };
  }

  /** The payloads sent to one resolver, in call order. */
  payloadsOf<N extends ResolverName>(name: N): ResolverPayloads[N][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.payload as ResolverPayloads[N]);
  }

  callNames(): string[] {
    return this.calls.map((c) => c.name);
  }

  async invoke(name: string, payload: unknown = {}): Promise<unknown> {
    const crossed = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
    this.calls.push({ name, payload: crossed });
    const handler = (this.handlers as Record<string, ((p: unknown) => unknown) | undefined>)[name];
    if (!handler) throw new Error(`Resolver "${name}" has no handler in this test`);
    // A copy again, so a handler that keeps the payload cannot see later UI mutations.
    return JSON.parse(JSON.stringify(await handler(crossed)));
  }
}

export const fakeBridge = new FakeBridge();

/** A promise the test settles by hand, for handlers that should stay pending (loading states). */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The module that replaces @forge/bridge: the functions the Scopekeeper UI and @forge/react use. */
export const forgeBridgeMock = {
  invoke: (name: string, payload?: unknown) => fakeBridge.invoke(name, payload),
  view: {
    getContext: async () => fakeBridge.context,
    close: async () => undefined,
    refresh: async () => undefined,
    theme: { enable: async () => undefined },
  },
  showFlag: (options: FlagCall) => {
    fakeBridge.flags.push({ id: options.id, title: options.title, description: options.description, type: options.type });
    return { close: async () => true };
  },
  // The UI must reach Jira through resolvers (identity and permissions are checked there).
  requestJira: async () => {
    throw new Error('requestJira is not available in Scopekeeper UI tests: call a resolver instead');
  },
  router: { navigate: async () => undefined, open: async () => undefined, reload: async () => undefined },
  events: { on: async () => ({ unsubscribe: () => undefined }), emit: async () => undefined },
};
