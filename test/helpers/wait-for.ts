import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Poll `condition` until it holds; throws after `timeoutMs`. For conditions that, once true, stay
 * true until the test acts (a backend waiting on a lock the test holds), so the outcome never
 * depends on how fast the poller is, only the time spent waiting does.
 */
export async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(10)
  }
}
