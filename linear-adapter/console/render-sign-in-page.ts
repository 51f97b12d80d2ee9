import { html, type SafeHtml } from './html';

/** Where a visitor without a session lands: the token sign-in explained, and Sign in with Linear when it is set up. */
export function renderSignInPage(input: { oauth: boolean; next: string; error: string | null }): SafeHtml {
  return html`
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
${input.oauth ? html`<p><a class="button" href="/sign-in/linear?next=${encodeURIComponent(input.next)}">Sign in with Linear</a></p>` : ''}
<p>Open the sign-in link the service printed when it started (<code>npm start</code>): it carries a one-time token. The token is kept in the service's data directory, in the file <code>console-token</code>; scripts send it as <code>Authorization: Bearer &lt;token&gt;</code> to the <code>/api/</code> exports.</p>
<form method="get" action="/sign-in">
<input type="hidden" name="next" value="${input.next}">
<p><label>Or paste the token<input name="token" type="password" autocomplete="off" required size="40"></label></p>
<button type="submit">Sign in</button>
</form>`;
}
