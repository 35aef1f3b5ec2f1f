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
