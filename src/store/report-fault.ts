// How the Node modules (SQL store, Linear queue and gateway) report a fault they recovered from
// by a fallback. They know nothing of pino or prom-client: the service passes a reporter that
// logs and counts (createMetrics' reportFault), so no fallback is ever silent.

export interface Fault<Kind extends string = string> {
  /** The module that recovered, e.g. "sql-store". */
  source: string;
  /** What went wrong, as a fixed code: the metric label. */
  kind: Kind;
  /** One sentence for the log: what failed and what was done instead. */
  message: string;
  error?: unknown;
}

export type ReportFault = (fault: Fault) => void;

/** The reporter when none is wired (tools, tests): a console line, so a fallback is still seen. */
export const reportFaultOnConsole: ReportFault = ({ source, kind, message, error }) => {
  console.warn(`[scopekeeper] ${source} ${kind}: ${message}`, describeError(error));
};

/** An error's message; read by field, not class, since driver errors may come from another realm. */
export function describeError(error: unknown): string {
  if (error === undefined) return '';
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}
