import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const WEBHOOK_SECRET_FILE = 'linear-webhook-secret';

export type WebhookSecret =
  /** From LINEAR_WEBHOOK_SECRET. */
  | { secret: string; source: 'environment'; generated: false; file: null }
  /** Kept in the data directory; `generated` is true only on the start that created it. */
  | { secret: string; source: 'file'; generated: boolean; file: string };

/**
 * The signing secret webhooks are verified with: the configured one, else the one kept in the
 * data directory, else a new one (32 random bytes, hex) written there readable by its owner
 * only, so a first start needs no configuration and later starts keep verifying with it.
 */
export async function ensureWebhookSecret(options: { configured?: string | undefined; dataDir: string }): Promise<WebhookSecret> {
  if (options.configured) return { secret: options.configured, source: 'environment', generated: false, file: null };
  const kept = await ensureSecretFile(path.resolve(options.dataDir, WEBHOOK_SECRET_FILE), 'a new webhook secret, or set LINEAR_WEBHOOK_SECRET');
  return { ...kept, source: 'file' };
}

/**
 * A secret kept in a file readable by its owner only: the one stored there, else a new one
 * (32 random bytes, hex) written there. `remedy` ends the error when the file is empty
 * ("delete it to generate <remedy>").
 */
export async function ensureSecretFile(file: string, remedy: string): Promise<{ secret: string; generated: boolean; file: string }> {
  const stored = await readSecret(file, remedy);
  if (stored !== null) return { secret: stored, generated: false, file };

  await mkdir(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('hex');
  try {
    // `wx`: two processes starting at once must not each write their own secret.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readSecret(file, remedy);
    if (winner === null) throw new Error(`${file} is empty; delete it to generate ${remedy}`, { cause: error });
    return { secret: winner, generated: false, file };
  }
  // The mode given to writeFile is filtered through the umask; make sure nobody else can read it.
  await chmod(file, 0o600);
  return { secret, generated: true, file };
}

async function readSecret(file: string, remedy: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const secret = text.trim();
  if (secret === '') throw new Error(`${file} is empty; delete it to generate ${remedy}`);
  return secret;
}

/** What an operator reads on the first start: the new secret and where to paste it in Linear. */
export function describeWebhookSetup(secret: WebhookSecret, listenUrl: string): string {
  return [
    'Scopekeeper generated a webhook signing secret for Linear:',
    '',
    `    ${secret.secret}`,
    '',
    `It is kept in ${secret.file ?? 'LINEAR_WEBHOOK_SECRET'} and reused on every start. To connect Linear:`,
    '  1. In Linear, open Settings → API → Webhooks and create a webhook (or open the existing one).',
    `  2. URL: https://<your public host>/webhooks/linear (this service listens on ${listenUrl}/webhooks/linear;`,
    '     Linear needs a public HTTPS address that reaches it).',
    '  3. Resource types: Issues and Comments.',
    "  4. Paste the secret above as the webhook's signing secret and save.",
    'Deliveries signed with any other secret are refused with 401. If Linear shows its own signing',
    'secret instead, set LINEAR_WEBHOOK_SECRET to that value (it takes precedence over the stored one).',
    '',
  ].join('\n');
}
