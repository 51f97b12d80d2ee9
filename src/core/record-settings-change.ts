import type { Actor, HistoryDraft, SettingChange, SettingValue } from './schemas';

export type SettingsChangeDraft = Extract<HistoryDraft, { kind: 'settings_changed' }>;

/**
 * Puts a change to a scope's settings on record: one `settings_changed` draft listing each
 * setting that changed, from → to, in the order of `next`. Lists compare as sets, since every
 * list setting is a set of names: reordering one is not a change. `previous` null means the
 * settings before could not be read, so every setting is recorded with `from: null`.
 * Null when nothing changed: saving the same settings again writes nothing.
 */
export function recordSettingsChange(input: {
  scopeId: string;
  previous: Readonly<Record<string, SettingValue>> | null;
  next: Readonly<Record<string, SettingValue>>;
  actor: Actor;
  now: string;
  newId: () => string;
}): SettingsChangeDraft | null {
  const { previous, next } = input;
  const changes: SettingChange[] = [];
  for (const [setting, to] of Object.entries(next)) {
    const from = previous ? (previous[setting] ?? null) : null;
    if (from !== null && isSameValue(from, to)) continue;
    changes.push({ setting, from, to });
  }
  if (changes.length === 0) return null;
  return {
    id: input.newId(),
    scopeId: input.scopeId,
    at: input.now,
    actor: input.actor,
    deliverableId: null,
    kind: 'settings_changed',
    data: { changes },
  };
}

function isSameValue(a: SettingValue, b: SettingValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    const left = new Set(a);
    const right = new Set(b);
    return left.size === right.size && [...left].every((v) => right.has(v));
  }
  return a === b;
}
