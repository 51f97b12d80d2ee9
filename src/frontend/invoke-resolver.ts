import { invoke } from '@forge/bridge';
import type { Refusal, RefusalCode, ResolverName, ResolverPayloads, ResolverResults } from '../forge/resolvers/resolver-contract';

/**
 * Calls one resolver and always resolves to its Outcome. A failure of the bridge itself (network,
 * timeout, a resolver that threw) becomes a Refusal too, so every screen has one error path.
 * Payloads carry no identity: the resolvers read the user from the Forge invocation context.
 */
export async function invokeResolver<N extends ResolverName>(name: N, payload: ResolverPayloads[N]): Promise<ResolverResults[N]> {
  try {
    const result = (await invoke(name, payload as Record<string, unknown>)) as unknown;
    if (isOutcome(result)) return result as ResolverResults[N];
    return refuse('UNEXPECTED_RESPONSE', 'Scopekeeper received an answer it does not understand. Reload the page and try again.') as ResolverResults[N];
  } catch (error) {
    const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
    return refuse('INVOKE_FAILED', `Scopekeeper could not reach its backend${detail}. Nothing was changed. Try again in a moment.`) as ResolverResults[N];
  }
}

function isOutcome(value: unknown): value is { ok: boolean } {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

function refuse(code: RefusalCode, message: string): Refusal {
  return { ok: false, code, message };
}
