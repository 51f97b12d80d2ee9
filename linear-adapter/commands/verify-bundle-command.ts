import { readFile } from 'node:fs/promises';
import { verifyEvidenceBundle } from '../../src/reports/verify-evidence-bundle';

/**
 * `scopekeeper verify <bundle.json>`: checks an evidence bundle from its bytes alone (no
 * database, no network) and answers the exit code: 0 the bundle holds, 1 it does not (the first
 * broken record is named), 2 the file cannot be read.
 */
export async function verifyBundleCommand(file: string, out: (line: string) => void, fail: (line: string) => void): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    fail(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
    return 2;
  }
  const verdict = verifyEvidenceBundle(bytes);
  if (!verdict.ok) {
    fail(`NOT VERIFIED: ${file}`);
    fail(verdict.message);
    return 1;
  }
  out(`Verified: ${file}`);
  out(
    `  ${verdict.scopeKey}, baseline "${verdict.baselineName}": ${verdict.records} records, chain intact up to head seq ${verdict.head?.seq ?? '-'} ` +
      `(${verdict.head?.hash ?? '-'}), ${verdict.signatures} sign-offs.`,
  );
  out('  Compare the head hash with the one Scopekeeper shows for this Linear team or Jira project to know no later record was left out.');
  return 0;
}
