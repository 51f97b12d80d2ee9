import { readFileSync } from 'node:fs';
import ts from 'typescript';

// The scope check `forge lint` did, without @forge/lint (its CLI packages build keytar, a native
// module that needs system libraries: docs/adr/0007-install-with-node-and-npm-alone.md).
// Every `requestJira(route`…`, { method })` call in the source is matched to an operation of
// Jira's REST API and the OAuth 2.0 scopes the reference lists for it; the manifest must grant
// each of those and nothing the code does not use.

export interface JiraCall {
  file: string;
  line: number;
  method: string;
  /** The path with each `${…}` as `{}` and the query string dropped. */
  path: string;
}

export interface OpenApiSubset {
  paths: Record<string, Record<string, { 'x-atlassian-oauth2-scopes'?: { state: string; scopes: string[] }[] }>>;
}

/** Every call of `requestJira` whose first argument is a `route` tagged template. */
export function findJiraCalls(file: string, source = readFileSync(file, 'utf8')): JiraCall[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const calls: JiraCall[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && calleeName(node.expression) === 'requestJira') {
      const [target, options] = node.arguments;
      if (!target || !ts.isTaggedTemplateExpression(target) || target.tag.getText(sf) !== 'route') {
        throw new Error(`${file}:${line(sf, node)}: requestJira is called without a route\`…\` template; the scope check cannot read its path.`);
      }
      calls.push({ file, line: line(sf, node), method: readMethod(sf, file, options), path: templatePath(target.template) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return calls;
}

function calleeName(expression: ts.Expression): string | null {
  if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
  if (ts.isIdentifier(expression)) return expression.text;
  return null;
}

function line(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

function templatePath(template: ts.TemplateLiteral): string {
  const text = ts.isNoSubstitutionTemplateLiteral(template)
    ? template.text
    : template.head.text + template.templateSpans.map((span) => `{}${span.literal.text}`).join('');
  return text.split('?')[0]!;
}

function readMethod(sf: ts.SourceFile, file: string, options: ts.Expression | undefined): string {
  if (!options) return 'GET';
  if (!ts.isObjectLiteralExpression(options)) throw new Error(`${file}:${line(sf, options)}: requestJira options must be an object literal so the scope check can read the method.`);
  const method = options.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(sf) === 'method');
  if (!method) return 'GET';
  if (!ts.isStringLiteral(method.initializer)) throw new Error(`${file}:${line(sf, method)}: the method must be a string literal.`);
  return method.initializer.text.toUpperCase();
}

/** The OpenAPI operation a call hits: `{name}` segments match any one segment. */
export function findOperation(spec: OpenApiSubset, call: Pick<JiraCall, 'method' | 'path'>): { path: string; scopes: string[] } | null {
  const segments = call.path.split('/');
  for (const [path, methods] of Object.entries(spec.paths)) {
    const pattern = path.split('/');
    if (pattern.length !== segments.length) continue;
    // A `{}` from the code matches only a `{param}` of the spec; literals must be equal.
    const matches = pattern.every((part, i) => (part.startsWith('{') ? /^[^/]+$/.test(segments[i]!) : part === segments[i]));
    const operation = methods[call.method.toLowerCase()];
    if (!matches || !operation) continue;
    const current = (operation['x-atlassian-oauth2-scopes'] ?? []).find((s) => s.state === 'Current');
    return { path, scopes: current?.scopes ?? [] };
  }
  return null;
}

export interface ScopeReport {
  /** "file:line METHOD path: …" for calls the spec does not know or the manifest does not grant. */
  missing: string[];
  /** Scopes the manifest asks for that no code uses. */
  unused: string[];
}

/**
 * Compares what the code needs with what the manifest grants. `storage:app` is needed when the
 * code imports the Forge storage API (developer.atlassian.com/platform/forge/runtime-reference/storage-api/).
 */
export function checkScopes(input: { calls: JiraCall[]; spec: OpenApiSubset; granted: string[]; usesStorage: boolean }): ScopeReport {
  const needed = new Set<string>(input.usesStorage ? ['storage:app'] : []);
  const missing: string[] = [];
  for (const call of input.calls) {
    const where = `${call.file}:${call.line} ${call.method} ${call.path}`;
    const operation = findOperation(input.spec, call);
    if (!operation) {
      missing.push(`${where}: not in test/forge/fixtures/jira-platform-openapi-subset.json; add the operation with the scopes Jira's REST reference lists for it`);
      continue;
    }
    for (const scope of operation.scopes) {
      needed.add(scope);
      if (!input.granted.includes(scope)) missing.push(`${where}: requires "${scope}" scope, which manifest.yml does not grant`);
    }
  }
  if (input.usesStorage && !input.granted.includes('storage:app')) missing.push('@forge/kvs: requires "storage:app" scope, which manifest.yml does not grant');
  return { missing, unused: input.granted.filter((scope) => !needed.has(scope)) };
}
