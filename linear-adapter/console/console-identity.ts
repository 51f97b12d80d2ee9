import type { Actor } from '../../src/core/schemas';

/** A Linear team a signed-in user belongs to, as Linear's `viewer.teams` names it. */
export interface TeamMembership {
  id: string;
  key: string;
  name: string;
}

/**
 * Who is signed in, as the platform said: the token holder is the service's operator (who has the
 * data directory, like the API key's holder on the command line) and may see every team; a user
 * signed in with Linear is who Linear's `viewer` says, and sees only the teams it lists.
 */
export type ConsoleIdentity =
  | { kind: 'token'; actor: Actor }
  | { kind: 'linear'; actor: Actor; teams: readonly TeamMembership[] };

/** The operator as history records name them when they act through the console token. */
export const TOKEN_ACTOR: Actor = { id: 'scopekeeper-console-token', name: 'Service operator (console token)', email: null };

/** Whether the identity may see a team's scope; Linear users only their own teams, by team id. */
export function canSeeTeam(identity: ConsoleIdentity, teamId: string): boolean {
  return identity.kind === 'token' || identity.teams.some((team) => team.id === teamId);
}
