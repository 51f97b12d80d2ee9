import type { z } from 'zod';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Validates input against a schema and reports every problem as "path: message". */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`),
  };
}
