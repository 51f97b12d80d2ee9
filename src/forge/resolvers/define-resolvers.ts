import Resolver, { type Request } from '@forge/resolver';
import type { ForgeDeps } from '../entry/create-forge-deps';
import { createPanelResolvers } from './create-panel-resolvers';
import { createProjectResolvers } from './create-project-resolvers';
import { createSettingsResolvers } from './create-settings-resolvers';
import { refusals } from './refuse';
import { resolverNames } from './resolver-contract';

/**
 * The one resolver function behind every UI module (issue panel, project page, settings page).
 * An unexpected failure (Jira or storage down) reaches the UI as a refusal, never as a crash;
 * every resolver writes last, so a failure before that has changed nothing.
 */
export function defineResolvers(deps: ForgeDeps): ReturnType<Resolver['getDefinitions']> {
  const handlers: Record<string, (request: Request) => Promise<unknown>> = {
    ...createPanelResolvers(deps),
    ...createProjectResolvers(deps),
    ...createSettingsResolvers(deps),
  };
  const resolver = new Resolver();
  for (const name of resolverNames) {
    const handler = handlers[name];
    if (!handler) throw new Error(`resolver ${name} is not implemented`);
    resolver.define(name, async (request: Request) => {
      try {
        return await handler(request);
      } catch (error) {
        deps.log(`resolver ${name} failed`, error);
        return refusals.unavailable();
      }
    });
  }
  return resolver.getDefinitions();
}
