import { html, type SafeHtml } from './html';
import type { ConsoleSession } from './create-session-store';
import { displayActor } from '../../src/core/check-sign-off-authority';

/** A whole console page: skip link, header with who is signed in and sign-out, the content. No script anywhere. */
export function renderLayout(input: { title: string; session: ConsoleSession | null; body: SafeHtml; crumbs?: SafeHtml }): string {
  const { session } = input;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title} · Scopekeeper</title>
<link rel="stylesheet" href="/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<a class="brand" href="/">Scopekeeper</a>
${input.crumbs ?? ''}
${
  session
    ? html`<span class="muted">Signed in as ${displayActor(session.identity.actor)}</span>
<form class="inline" method="post" action="/sign-out"><input type="hidden" name="csrf" value="${session.csrfToken}"><button class="quiet" type="submit">Sign out</button></form>`
    : ''
}
</header>
<main id="main">
<h1>${input.title}</h1>
${input.body}
</main>
</body>
</html>
`.text;
}
