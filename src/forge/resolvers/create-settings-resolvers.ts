import { route } from '@forge/api';
import type { Request } from '@forge/resolver';
import { parseWith } from '../../core/parse-with';
import { recordSettingsChange } from '../../core/record-settings-change';
import { pickRequester, JiraUnavailableError, readJiraReply } from '../jira/read-jira-reply';
import { checkPermission } from './check-permission';
import type { ForgeDeps } from '../entry/create-forge-deps';
import { fetchCurrentUser } from '../jira/fetch-current-user';
import { canAppReadRoles } from '../jira/find-approver-roles';
import { checkTeamVocabulary } from '../storage/check-team-vocabulary';
import { flattenSettings } from '../storage/flatten-settings';
import { readInvocation } from './read-invocation';
import { isSubtaskTypeName, parseProjectSettings, SUBTASK_TYPE_NAMES } from '../storage/read-project-settings';
import { readTeamVocabulary } from '../storage/read-team-vocabulary';
import { refusals, refuse } from './refuse';
import { saveSettingsSchema, type ProjectSettings, type Refusal, type ResolverResults } from './resolver-contract';

type SettingsResolverName = 'getSettings' | 'saveSettings';
export type SettingsResolvers = { [N in SettingsResolverName]: (request: Request) => Promise<ResolverResults[N]> };

/** Saving retries this often when other changes to the project land between its read and its write. */
const MAX_SAVE_ATTEMPTS = 3;

/**
 * The project settings page. Settings require project admin (ADMINISTER_PROJECTS, asked as the
 * user); they live in the project's scope head, so the panel and the validator read them with
 * the head they read anyway. Every change is a `settings_changed` history record (who, when,
 * each setting from → to), written in the same transaction as the settings themselves.
 */
export function createSettingsResolvers(deps: ForgeDeps): SettingsResolvers {
  return {
    async getSettings(request) {
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      if (!inv.project) return refusals.noProject();
      const projectId = inv.project.id;
      if (!(await checkPermission('ADMINISTER_PROJECTS', { projectId }))) return notAdmin();
      const summary = await deps.store.readScopeSummary(projectId);
      const reading = parseProjectSettings(summary.ext);
      const problems: string[] = [];
      if (!reading.ok) {
        deps.log(`the settings of project ${projectId} cannot be read: ${reading.errors.join('; ')}`);
        problems.push(
          'The saved settings of this project cannot be read, so until you save them again nobody can sign off and the workflow gate keeps deliverables from closing. The form shows the defaults: check them and save.',
        );
      }
      const vocabulary = readTeamVocabulary(summary.ext);
      if (vocabulary.errors.length > 0) {
        deps.log(`the hint vocabulary of project ${projectId} cannot be read in full, so hints leave those entries out: ${vocabulary.errors.join('; ')}`);
        problems.push(
          'Some of the saved hint words or rules of this project cannot be read, so the hints leave them out. The form shows the ones that could be read: check them and save.',
        );
      }
      const settings = { ...(reading.ok ? reading.settings : reading.defaults), vocabulary: vocabulary.vocabulary };
      const appReadsRoles = await canAppReadRoles(projectId, settings.approverRoles).catch((error: unknown) => {
        // Only a warning depends on it: the page still loads, and says the check did not run.
        deps.log(`could not check whether the app can read the roles of project ${projectId}`, error);
        return null;
      });
      if (appReadsRoles === null) problems.push('Scopekeeper could not check just now whether it can read this project’s roles. Reload the page to check again.');
      if (appReadsRoles === false) {
        problems.push(
          'Scopekeeper itself cannot read this project’s roles: Jira shows them only to people and apps with the Administer Projects permission. Until a Jira admin gives the Scopekeeper app that permission in this project, only approvers named here, and project admins who hold an approver role, can sign off; everyone else is refused.',
        );
      }
      return problems.length > 0 ? { ok: true, settings, problems } : { ok: true, settings };
    },

    async saveSettings(request) {
      const parsed = parseWith(saveSettingsSchema, request.payload ?? {});
      const vocabularyErrors = checkTeamVocabulary(readVocabularyInput(request.payload)).map((e) => `settings.${e}`);
      if (vocabularyErrors.length > 0) {
        // The schema's own messages for the vocabulary do not say which word is wrong; these do.
        const others = parsed.ok ? [] : parsed.errors.filter((e) => !e.startsWith('settings.vocabulary'));
        const words = vocabularyErrors.map((e) => e.slice(e.indexOf(': ') + 2)).join(' ');
        return refusals.invalidPayload(`The hint words or rules cannot be saved: ${words} The settings were not saved.`, [...others, ...vocabularyErrors]);
      }
      if (!parsed.ok) return refusals.invalidPayload('The settings were not saved.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      if (!inv.project) return refusals.noProject();
      const projectId = inv.project.id;
      if (!(await checkPermission('ADMINISTER_PROJECTS', { projectId }))) return notAdmin();
      const { settings } = parsed.value;
      const subtasks = settings.deliverableIssueTypes.filter(isSubtaskTypeName);
      if (subtasks.length > 0) {
        return refusals.invalidPayload(
          `Sub-tasks cannot be deliverables: the Acceptance & sign-off panel is not shown on ${SUBTASK_TYPE_NAMES.join(' or ')} issues, so their criteria could never be written. Track the parent issue instead.`,
          subtasks.map((t) => `settings.deliverableIssueTypes: "${t}" is a sub-task type`),
        );
      }
      const unknownRoles = await checkRoleNames(projectId, settings);
      if (unknownRoles) return unknownRoles;
      const actor = await fetchCurrentUser(inv.accountId);

      for (let attempt = 1; attempt <= MAX_SAVE_ATTEMPTS; attempt += 1) {
        const summary = await deps.store.readScopeSummary(projectId);
        const previous = parseProjectSettings(summary.ext);
        const draft = recordSettingsChange({
          scopeId: projectId,
          previous: previous.ok ? flattenSettings(previous.settings) : null,
          next: flattenSettings(settings),
          actor,
          now: deps.now(),
          newId: deps.newId,
        });
        // Nothing changed: nothing to record, nothing to write.
        if (!draft) return { ok: true, settings };
        // The head the change was read against: a concurrent save moves it, and the diff is then redone.
        const result = await deps.store.commitWith(
          { scopeId: projectId, history: [draft], expectedHistoryHead: summary.head?.hash ?? null },
          { updateExt: (ext) => ({ ...ext, settings }) },
        );
        if (result.ok) return { ok: true, settings };
        if (result.code !== 'HISTORY_CONFLICT') return refuse(result.code, `${result.message}. The settings were not saved.`);
      }
      return refusals.historyConflict();
    },
  };
}

/**
 * A misspelt role would quietly leave nobody able to sign off: the names must exist. Read as the
 * admin saving them, since listing roles needs Administer Projects (which they were just checked
 * for) and the app may lack it.
 */
async function checkRoleNames(projectId: string, settings: ProjectSettings): Promise<Refusal | null> {
  if (settings.approverRoles.length === 0) return null;
  const roles = await readJiraReply(pickRequester('user').requestJira(route`/rest/api/3/project/${projectId}/role`));
  if (roles.status === 401 || roles.status === 403 || roles.status === 404) {
    return refuse('ROLES_UNREADABLE', 'Jira did not show Scopekeeper the roles of this project, so the approver role names could not be checked. Nothing was changed.');
  }
  if (!roles.ok) throw new JiraUnavailableError('listing project roles', roles.status);
  const existing = Object.keys((roles.body ?? {}) as Record<string, unknown>);
  const folded = new Set(existing.map((r) => r.trim().toLowerCase()));
  const unknown = settings.approverRoles.filter((r) => !folded.has(r.trim().toLowerCase()));
  if (unknown.length === 0) return null;
  return refusals.invalidPayload(
    `This project has no role ${unknown.map((r) => `“${r}”`).join(' or ')}. Its roles are ${existing.map((r) => `“${r}”`).join(', ')}.`,
    unknown.map((r) => `settings.approverRoles: no project role "${r}"`),
  );
}

/** The vocabulary as sent, before any parsing, so a refusal can name the entry as it was typed. */
function readVocabularyInput(payload: unknown): unknown {
  const settings = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>).settings : undefined;
  return typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>).vocabulary : undefined;
}

function notAdmin() {
  return refuse('NOT_PROJECT_ADMIN', 'Only administrators of this project can see and change its Scopekeeper settings. Nothing was changed.');
}
