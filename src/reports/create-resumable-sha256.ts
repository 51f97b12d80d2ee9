import { createSHA256 } from 'hash-wasm';
import { z } from 'zod';
import { parseWith } from '../core/parse-with';

// SHA-256 whose running state can be saved between calls and resumed. An evidence bundle made in
// parts on Forge ends with the SHA-256 of all its bytes, and each part is made by another resolver
// invocation, so the digest must travel from call to call inside the cursor. node:crypto cannot
// export a hash's state; hash-wasm's save()/load() can (docs/adr/0018-jira-evidence-bundle-in-parts.md).

/** hash-wasm's saved state, base64url (about 140 characters for SHA-256). */
const savedStateSchema = z.string().min(1).max(4096).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');
export type SavedSha256 = z.infer<typeof savedStateSchema>;

export interface ResumableSha256 {
  update(text: string): void;
  /** The state to pass to createResumableSha256 in a later call. */
  save(): SavedSha256;
  /** The digest of everything so far, as lowercase hex. It ends the hash: save or update no more. */
  digestHex(): string;
}

/** Reads a saved state that came back from outside (e.g. inside an export cursor) by its shape. */
export function parseSavedSha256(value: unknown): { ok: true; value: SavedSha256 } | { ok: false; errors: string[] } {
  return parseWith(savedStateSchema, value);
}

/** A new hash, or one resumed from a saved state; a state hash-wasm does not accept is a value, not a throw. */
export async function createResumableSha256(saved?: SavedSha256): Promise<{ ok: true; value: ResumableSha256 } | { ok: false; errors: string[] }> {
  const hasher = await createSHA256();
  hasher.init();
  if (saved !== undefined) {
    try {
      hasher.load(Buffer.from(saved, 'base64url'));
    } catch (error) {
      // hash-wasm checks the state's own checksum and refuses an edited or foreign one.
      return { ok: false, errors: [`digest: not a saved SHA-256 state (${error instanceof Error ? error.message : String(error)})`] };
    }
  }
  return {
    ok: true,
    value: {
      update: (text) => void hasher.update(text),
      save: () => Buffer.from(hasher.save()).toString('base64url'),
      digestHex: () => hasher.digest('hex'),
    },
  };
}
