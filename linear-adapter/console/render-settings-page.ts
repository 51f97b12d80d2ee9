import { LINEAR_STATE_TYPES } from '../config/load-config';
import { html, type SafeHtml } from './html';
import type { TeamSettings, TeamSettingsReading } from './read-team-settings';

/** The team's settings form: approvers, done state types, require-all-met, no self sign-off. */
export function renderSettingsPage(input: {
  teamKey: string;
  reading: TeamSettingsReading;
  fallback: TeamSettings;
  mayWrite: boolean;
  csrfToken: string;
  notice: string | null;
  errors: readonly string[];
}): SafeHtml {
  const settings = input.reading.ok ? input.reading.settings : input.fallback;
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
${input.mayWrite ? html`<button type="submit">Save settings</button>` : ''}
</form>`;
}
