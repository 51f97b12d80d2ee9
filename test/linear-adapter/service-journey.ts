// What the whole-service tests on Linear share: the people, a team's two workflow states and
// a wait for what the workers do in the background.

export const DEV = { id: 'user-dev', name: 'Dev Kumar', email: 'dev@vendor.example' };
export const ANA = { id: 'user-ana', name: 'Ana Silva', email: 'ana@client.example' };

export function workflowStatesOf(teamId: string) {
  return {
    progress: { id: 'state-progress', name: 'In Progress', type: 'started', teamId },
    done: { id: 'state-done', name: 'Done', type: 'completed', teamId },
  };
}

/** Polls until the probe answers something truthy; throws naming `what` after the timeout. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
