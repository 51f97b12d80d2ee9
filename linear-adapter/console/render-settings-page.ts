import { qualityRuleIds } from '../../src/core/find-quality-hints';
import { describeHintRule } from '../../src/forge/views/describe-hint-rule';
import { LINEAR_STATE_TYPES } from '../config/load-config';
import { html, type SafeHtml } from './html';
import type { TeamSettings, TeamSettingsReading } from './read-team-settings';

/**
 * The team's settings form: approvers, done state types, require-all-met, no self sign-off, and
 * the wording rules of the status comment's suggestions. A refused form shows what was sent.
 */
export function renderSettingsPage(input: {
  teamKey: string;
  reading: TeamSettingsReading;
  fallback: TeamSettings;
  mayWrite: boolean;
  csrfToken: string;
  notice: string | null;
  errors: readonly string[];
  /** The form that was refused: its fields are shown as sent, so nothing typed is lost. */
  submitted?: URLSearchParams;
}): SafeHtml {
  const saved = input.reading.ok ? input.reading.settings : input.fallback;
  const sent = input.submitted;
  const settings = sent
    ? {
        approvers: [sent.get('approvers') ?? ''],
        doneStateTypes: sent.getAll('doneStateTypes'),
        requireAllMet: sent.get('requireAllMet') === '1',
        forbidSelfSignOff: sent.get('forbidSelfSignOff') === '1',
      }
    : saved;
  const words = (name: 'vagueWords' | 'silencedWords') => (sent ? (sent.get(name) ?? '') : saved.vocabulary[name].join('\n'));
  const disabledRules: readonly string[] = sent ? sent.getAll('disabledRules') : saved.vocabulary.disabledRules;
  const unread = input.reading.ok && input.reading.vocabularyErrors.length > 0 ? input.reading.vocabularyErrors : [];
  const source = input.reading.ok
    ? input.reading.source === 'team'
      ? 'These settings are saved for this team.'
      : "This team has no settings of its own yet: these are the service's defaults (its environment variables)."
    : `The saved settings cannot be read (${input.reading.errors.join('; ')}); save them again to fix it.`;
  const disabled = input.mayWrite ? '' : html` disabled`;
  return html`
${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}
${input.errors.length > 0 ? html`<div class="error" role="alert"><p>Nothing was saved:</p><ul>${input.errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<p>${source} Every change is recorded in the team's history.</p>
${unread.length > 0 ? html`<div class="error" role="alert"><p>Some saved wording entries cannot be read, so the suggestions leave them out; save the settings again to fix it:</p><ul>${unread.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
${input.mayWrite ? '' : html`<p class="muted">Only approvers (or the service operator) can change these settings.</p>`}
<form method="post" action="/teams/${encodeURIComponent(input.teamKey)}/settings">
<input type="hidden" name="csrf" value="${input.csrfToken}">
<p><label>Approvers: Linear user ids or emails, one a line (none: anyone may sign off, and only the service operator may record baselines)
<textarea name="approvers" rows="4" cols="50"${disabled}>${settings.approvers.join('\n')}</textarea></label></p>
<fieldset><legend>Workflow state types that count as done</legend>
${LINEAR_STATE_TYPES.map((type) => html`<label class="check"><input type="checkbox" name="doneStateTypes" value="${type}"${settings.doneStateTypes.includes(type) ? html` checked` : ''}${disabled}> ${type}</label>`)}
</fieldset>
<p><label class="check"><input type="checkbox" name="requireAllMet" value="1"${settings.requireAllMet ? html` checked` : ''}${disabled}> Every criterion must be marked met before closing</label></p>
<p><label class="check"><input type="checkbox" name="forbidSelfSignOff" value="1"${settings.forbidSelfSignOff ? html` checked` : ''}${disabled}> The assignee may not sign off their own deliverable</label></p>
<fieldset><legend>Wording of the criteria: the suggestions in each issue's status comment</legend>
<p><label>Extra vague words: words or phrases your team also counts as vague, one a line
<textarea name="vagueWords" rows="4" cols="50"${disabled}>${words('vagueWords')}</textarea></label></p>
<p><label>Accepted words: your team's own terms that are never called vague (for example “fast lane”), one a line
<textarea name="silencedWords" rows="4" cols="50"${disabled}>${words('silencedWords')}</textarea></label></p>
<fieldset><legend>Suggestion rules switched off</legend>
${qualityRuleIds.map((id) => html`<label class="check"><input type="checkbox" name="disabledRules" value="${id}"${disabledRules.includes(id) ? html` checked` : ''}${disabled}> ${describeHintRule(id)}</label>`)}
</fieldset>
</fieldset>
${input.mayWrite ? html`<button type="submit">Save settings</button>` : ''}
</form>`;
}
