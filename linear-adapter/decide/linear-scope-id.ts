/** The scope of a Linear team's deliverables: its history, baselines and scope versions live under this id. */
export function linearScopeId(teamId: string): string {
  return `linear:${teamId}`;
}
