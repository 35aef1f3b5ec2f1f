import { setTimeout as sleep } from 'node:timers/promises'
import { EXIT } from '../errors.js'
import type { ActiveRun } from '../pipeline/events.js'
import { logLine } from './progress.js'

/** How long a second signal waits for the run to be recorded as interrupted before exiting anyway. */
export const STOP_NOW_TIMEOUT_MS = 3000

export interface StopSignals {
  /** Aborted by the first SIGINT/SIGTERM: the run stops after the current batch. */
  readonly signal: AbortSignal
  /** Pass to the run: the run it records is the one a second signal records as interrupted. */
  onRunStarted(run: ActiveRun): void
  /** Stop listening (the run ended). */
  dispose(): void
}

/**
 * SIGINT/SIGTERM for the commands that write (migrate, sync).
 *
 * The first signal: the current batch commits, the run records itself as interrupted, exit 1.
 * The second: stop at once. The run is recorded as interrupted from its own connection (at most
 * {@link STOP_NOW_TIMEOUT_MS}), a line says what happened, and the process exits 1; the open
 * transaction rolls back when its connection closes. A run that could not be recorded still shows
 * as interrupted (its process is gone, and with it the run's lock: see startRun). A third signal
 * exits without waiting.
 */
export function listenForStopSignals(command: 'migrate' | 'sync', opts: { quiet: boolean }): StopSignals {
  const abort = new AbortController()
  let run: ActiveRun | null = null
  let stoppingNow = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (!abort.signal.aborted) {
      if (!opts.quiet) logLine(`${signal}: stopping after the current batch (send it again to stop now)`)
      abort.abort()
      return
    }
    if (stoppingNow) process.exit(EXIT.error)
    stoppingNow = true
    void stopNow(signal).then((line) => {
      process.stderr.write(`${line}\n`)
      process.exit(EXIT.error)
    })
  }
  const stopNow = async (signal: NodeJS.Signals): Promise<string> => {
    // No run recorded yet (or a dry run): nothing was written.
    if (run === null) return `dhm: ${command} stopped at once (second ${signal}), before writing any batch.`
    const head = `dhm: ${command} stopped at once (second ${signal}): the batch in progress is rolled back, committed batches are kept`
    const { id } = run
    const outcome = await Promise.race([
      run.recordInterrupted().then(
        (recorded) => (recorded ? `run ${id} recorded as interrupted` : `run ${id} had already ended`),
        (error: unknown) => ({ reason: error instanceof Error ? error.message : String(error) }),
      ),
      sleep(STOP_NOW_TIMEOUT_MS).then(() => ({
        reason: `no answer from the target within ${STOP_NOW_TIMEOUT_MS / 1000} s`,
      })),
    ])
    return typeof outcome === 'string'
      ? `${head}; ${outcome}. Rerun to resume.`
      : `${head}. Run ${id} could not be recorded as interrupted (${outcome.reason}); "dhm status" shows it as ` +
          'interrupted once this process has exited. Rerun to resume.'
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: abort.signal,
    onRunStarted(started) {
      run = started
    },
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

/**
 * SIGINT/SIGTERM for a command that is safe to stop mid-work (dhm files: a file is marked copied
 * only once checked, a `.dhm-partial` is replaced next time): the first signal calls `before`,
 * records the run as interrupted (at most {@link STOP_NOW_TIMEOUT_MS}; a run that could not be is
 * marked so by the next run, its lock being gone with the process), writes `line(signal)` to stderr
 * and exits 1. A second signal exits without waiting.
 */
export function listenForImmediateStop(opts: {
  readonly line: (signal: NodeJS.Signals) => string
  readonly before?: () => void
}): Omit<StopSignals, 'signal'> {
  let run: ActiveRun | null = null
  let stopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(EXIT.error)
    stopping = true
    opts.before?.()
    const recorded = run?.recordInterrupted().catch(() => false) ?? Promise.resolve(false)
    void Promise.race([recorded, sleep(STOP_NOW_TIMEOUT_MS)]).then(() => {
      process.stderr.write(`${opts.line(signal)}\n`)
      process.exit(EXIT.error)
    })
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    onRunStarted(started) {
      run = started
    },
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
