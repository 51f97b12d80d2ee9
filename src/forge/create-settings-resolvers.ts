import { route } from '@forge/api';
import type { Request } from '@forge/resolver';
import { parseWith } from '../core/parse-with';
import { pickRequester, JiraUnavailableError, readJiraReply } from './read-jira-reply';
import { checkPermission } from './check-permission';
import type { ForgeDeps } from './create-forge-deps';
import { readInvocation } from './read-invocation';
import { readProjectSettings } from './read-project-settings';
import { refusals, refuse } from './refuse';
import { saveSettingsSchema, type ResolverResults } from './resolver-contract';

type SettingsResolverName = 'getSettings' | 'saveSettings';
export type SettingsResolvers = { [N in SettingsResolverName]: (request: Request) => Promise<ResolverResults[N]> };

/**
 * The project settings page. Settings require project admin (ADMINISTER_PROJECTS, asked as the
 * user); they live in the project's scope head, so the panel and the validator read them with
 * the head they read anyway.
 */
export function createSettingsResolvers(deps: ForgeDeps): SettingsResolvers {
  return {
    async getSettings(request) {
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      if (!inv.project) return refusals.noProject();
      if (!(await checkPermission('ADMINISTER_PROJECTS', { projectId: inv.project.id }))) return notAdmin();
      const summary = await deps.store.readScopeSummary(inv.project.id);
      return { ok: true, settings: readProjectSettings(summary.ext) };
    },

    async saveSettings(request) {
      const parsed = parseWith(saveSettingsSchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('The settings were not saved.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      if (!inv.project) return refusals.noProject();
      const projectId = inv.project.id;
      if (!(await checkPermission('ADMINISTER_PROJECTS', { projectId }))) return notAdmin();
      const { settings } = parsed.value;
      // A misspelt role would quietly leave nobody able to sign off: check the names exist.
      if (settings.approverRoles.length > 0) {
        const roles = await readJiraReply(pickRequester('app').requestJira(route`/rest/api/3/project/${projectId}/role`));
        if (!roles.ok) throw new JiraUnavailableError('listing project roles', roles.status);
        const existing = Object.keys((roles.body ?? {}) as Record<string, unknown>);
        const folded = new Set(existing.map((r) => r.trim().toLowerCase()));
        const unknown = settings.approverRoles.filter((r) => !folded.has(r.trim().toLowerCase()));
        if (unknown.length > 0) {
          return refusals.invalidPayload(
            `This project has no role ${unknown.map((r) => `“${r}”`).join(' or ')}. Its roles are ${existing.map((r) => `“${r}”`).join(', ')}.`,
            unknown.map((r) => `settings.approverRoles: no project role "${r}"`),
          );
        }
      }
      await deps.store.updateScopeExtension(projectId, (ext) => ({ ...ext, settings }));
      return { ok: true, settings };
    },
  };
}

function notAdmin() {
  return refuse('NOT_PROJECT_ADMIN', 'Only administrators of this project can see and change its Scopekeeper settings. Nothing was changed.');
}
