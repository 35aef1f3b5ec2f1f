import { Listr } from 'listr2'
import type { RunEvent, RunListener } from '../pipeline/events.js'

export interface ProgressOptions {
  readonly quiet?: boolean
  /** Force plain lines even on a TTY (e.g. --json, whose stdout must stay clean). */
  readonly plain?: boolean
  /** A dry run: the counts are what would be written ("would insert"), not what was. */
  readonly dryRun?: boolean
}

/** Log lines with a timestamp, on stderr (stdout carries the summary / JSON). */
export function logLine(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`)
}

function describe(e: Extract<RunEvent, { kind: 'progress' }>, dryRun: boolean): string {
  const { counts, total, elapsedMs } = e
  const rate = elapsedMs > 0 ? counts.read / (elapsedMs / 1000) : 0
  const left = Math.max(0, total - counts.read)
  const eta = rate > 0 ? Math.round(left / rate) : null
  const pct = total > 0 ? Math.floor((counts.read / total) * 100) : 100
  return (
    `${counts.read}/${total} (${pct}%) · ${dryRun ? 'would insert' : 'inserted'} ${counts.inserted} · ` +
    `${dryRun ? 'would update' : 'updated'} ${counts.updated} · unchanged ${counts.unchanged}` +
    ` · rejected ${counts.rejected} · filtered ${counts.filtered} · ${Math.round(rate)}/s` +
    (eta !== null && left > 0 ? ` · ETA ${eta}s` : '')
  )
}

/**
 * Run `work` while showing its progress: a listr2 task with counts, rate and ETA on a TTY; plain
 * timestamped lines otherwise (cron, CI), at most one every two seconds.
 */
export async function withProgress<T>(
  title: string,
  opts: ProgressOptions,
  work: (listener: RunListener) => Promise<T>,
): Promise<T> {
  if (opts.quiet) return work(() => undefined)
  if (!process.stderr.isTTY || opts.plain) {
    let last = 0
    return work((e) => {
      if (e.kind === 'phase') logLine(e.message)
      else if (e.kind === 'start') logLine(`${title}: ${e.total} node(s) to read`)
      else if (Date.now() - last > 2000 || e.counts.read >= e.total) {
        last = Date.now()
        logLine(describe(e, opts.dryRun ?? false))
      }
    })
  }
  let result: T | undefined
  const tasks = new Listr(
    [
      {
        title,
        task: async (_ctx, task) => {
          result = await work((e) => {
            if (e.kind === 'phase') task.output = e.message
            else if (e.kind === 'start') task.output = `${e.total} node(s) to read`
            else task.output = describe(e, opts.dryRun ?? false)
          })
        },
        rendererOptions: { persistentOutput: true, outputBar: 1 },
      },
    ],
    {
      renderer: 'default',
      exitOnError: true,
      rendererOptions: { collapseErrors: false },
      registerSignalListeners: false,
    },
  )
  await tasks.run()
  return result as T
}
