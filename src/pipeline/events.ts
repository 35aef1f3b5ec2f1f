import type { RunCounts } from '../report/run-stats.js'

/** What a long run tells its caller while it works; the CLI renders these (listr2 or log lines). */
export type RunEvent =
  | { readonly kind: 'phase'; readonly message: string }
  | { readonly kind: 'start'; readonly total: number }
  | {
      readonly kind: 'progress'
      readonly counts: Readonly<RunCounts>
      readonly total: number
      readonly elapsedMs: number
    }

export type RunListener = (event: RunEvent) => void

/**
 * A run recorded in migration_run, as its caller sees it: what a second Ctrl-C needs to stop it at
 * once and still leave an honest record.
 */
export interface ActiveRun {
  readonly id: number
  /**
   * Record the run as interrupted now (bounded; best effort): rejects with the reason if it could
   * not; false when the run had already recorded its outcome.
   */
  recordInterrupted(): Promise<boolean>
}
