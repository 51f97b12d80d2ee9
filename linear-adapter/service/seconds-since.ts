/** Seconds from an ISO time to `nowMs`, 0 for none or a time ahead: the age /healthz and /metrics show for the oldest waiting item. */
export function secondsSince(iso: string | null, nowMs: number): number {
  return iso === null ? 0 : Math.max(0, (nowMs - Date.parse(iso)) / 1000);
}
