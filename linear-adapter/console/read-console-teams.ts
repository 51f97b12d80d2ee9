import type { ConsoleScopeStore } from '../../src/core/store';
import { linearScopeId } from '../decide/linear-scope-id';
import type { ConsoleIdentity } from './console-identity';

export interface ConsoleTeam {
  id: string;
  key: string;
  name: string;
  scopeId: string;
}

const PREFIX = linearScopeId('');

/**
 * The teams an identity may see: a Linear user's teams as Linear's `viewer` listed them at
 * sign-in; for the token holder every Linear team the store holds, named by the key of its
 * deliverables ("ENG-42" → ENG) since the store keeps no team names.
 */
export async function readConsoleTeams(store: Pick<ConsoleScopeStore, 'listScopes'>, identity: ConsoleIdentity): Promise<ConsoleTeam[]> {
  if (identity.kind === 'linear') {
    return identity.teams.map((team) => ({ ...team, scopeId: linearScopeId(team.id) })).sort((a, b) => a.key.localeCompare(b.key));
  }
  const scopes = await store.listScopes(PREFIX);
  return scopes
    .map((scope) => {
      const id = scope.scopeId.slice(PREFIX.length);
      const key = scope.sampleKey?.replace(/-\d+$/, '') ?? id;
      return { id, key, name: key, scopeId: scope.scopeId };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}
