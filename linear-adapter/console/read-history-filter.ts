import { z } from 'zod';
import { parseWith } from '../../src/core/parse-with';
import { historyKindSchema, type HistoryKind } from '../../src/core/schemas';

/** The history filters as a page or an export URL carries them, checked. */
export interface HistoryFilter {
  deliverableKey?: string;
  kinds?: HistoryKind[];
  authorId?: string;
  /** Inclusive ISO times. */
  from?: string;
  to?: string;
  undocumentedOnly: boolean;
  cursor?: string;
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-11-30');
const text = z.string().trim().max(200);
const filterSchema = z.object({
  deliverable: text.optional(),
  kind: z.array(historyKindSchema).optional(),
  author: text.optional(),
  from: day.optional(),
  to: day.optional(),
  undocumented: z.enum(['1', 'on', 'true']).optional(),
  cursor: z.string().max(100).optional(),
});

/** Filters from query parameters; a bad value is named ("from: must be a date like 2026-11-30"). Empty fields mean "any". */
export function readHistoryFilter(params: URLSearchParams): { ok: true; value: HistoryFilter } | { ok: false; errors: string[] } {
  const raw: Record<string, unknown> = {};
  for (const name of ['deliverable', 'author', 'from', 'to', 'undocumented', 'cursor']) {
    const value = params.get(name);
    if (value !== null && value.trim() !== '') raw[name] = value;
  }
  const kinds = params.getAll('kind').filter((k) => k !== '');
  if (kinds.length > 0) raw.kind = kinds;
  const parsed = parseWith(filterSchema, raw);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  return {
    ok: true,
    value: {
      ...(v.deliverable ? { deliverableKey: v.deliverable.toUpperCase() } : {}),
      ...(v.kind ? { kinds: v.kind } : {}),
      ...(v.author ? { authorId: v.author } : {}),
      ...(v.from ? { from: `${v.from}T00:00:00.000Z` } : {}),
      ...(v.to ? { to: `${v.to}T23:59:59.999Z` } : {}),
      undocumentedOnly: v.undocumented !== undefined,
      ...(v.cursor ? { cursor: v.cursor } : {}),
    },
  };
}
