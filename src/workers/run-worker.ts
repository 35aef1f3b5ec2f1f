import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { databaseName } from '../config/connections.js'
import { runIsAliveSql } from '../load/run-log.js'
import { parseMapping } from '../mapping/load-mapping.js'
import { runMigration } from '../pipeline/run-migration.js'
import { renderSummaryLine } from '../report/run-report.js'
import {
  DEFAULT_QUEUE_TIMINGS,
  openRangeQueue,
  type QueueTimings,
  type RangeJob,
  type RangeQueue,
} from './range-queue.js'

export interface WorkerOptions {
  readonly sourceUrl: string
  readonly targetUrl: string
  /** Stop once no range of any run is waiting, to be retried or running; else poll forever. */
  readonly once: boolean
  readonly reportsDir?: string
  readonly timings?: QueueTimings
  /** How long to wait between two looks at an empty queue. */
  readonly pollMs?: number
  /** Abort = finish the batch in progress, give the range back to the queue, stop. */
  readonly signal?: AbortSignal
  /** One line per range started and finished. */
  readonly log?: (line: string) => void
}

export interface WorkerResult {
  /** Ranges this worker migrated to the end. */
  readonly done: number
  /** Ranges it gave back (failed or interrupted: the queue retries them). */
  readonly failed: number
  /** Ranges of runs that had stopped: dropped, not migrated. */
  readonly abandoned: number
}

/** How a worker names itself in the run log (`dhm status` shows it per range). */
export function workerName(): string {
  return `${hostname()}:${process.pid}`
}

/**
 * `dhm worker`: take ranges of distributed migrate runs from the queue in the target Postgres and
 * migrate each with runMigration restricted to it: its own source snapshot, its own `migrate-range`
 * run (counts, liveness lock, undo log), batches written as a single-process run writes them. A
 * range of a run whose coordinator is gone is dropped: the coordinator holds the site's sync lock,
 * and a range written without it could interleave with a sync.
 */
export async function runWorker(opts: WorkerOptions): Promise<WorkerResult> {
  const log = opts.log ?? (() => undefined)
  const name = workerName()
  const pollMs = opts.pollMs ?? 1000
  const queue = await openRangeQueue(opts.targetUrl, opts.timings ?? DEFAULT_QUEUE_TIMINGS, (error) =>
    log(`queue maintenance failed (retried at its next interval): ${error.message}`),
  )
  const pool = new pg.Pool({ connectionString: opts.targetUrl, max: 1 })
  pool.on('error', () => undefined)
  const result = { done: 0, failed: 0, abandoned: 0 }
  try {
    while (!opts.signal?.aborted) {
      const job = await queue.fetch()
      if (!job) {
        if (opts.once && (await queue.openJobs()) === 0) break
        await sleep(pollMs, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined)
        continue
      }
      const outcome = await migrateRange(job, queue, pool, name, opts, log)
      result[outcome] += 1
    }
    return result
  } finally {
    await queue.close().catch(() => undefined)
    await pool.end().catch(() => undefined)
  }
}

async function migrateRange(
  job: RangeJob,
  queue: RangeQueue,
  pool: pg.Pool,
  name: string,
  opts: WorkerOptions,
  log: (line: string) => void,
): Promise<keyof WorkerResult> {
  const d = job.data
  const label = `range ${d.index + 1}/${d.ranges} of run ${d.parentRunId} (site ${d.site}, nids ${d.afterNid + 1}–${d.throughNid ?? '…'})`
  const mine = databaseName(opts.sourceUrl)
  if (mine !== d.sourceDatabase) {
    await queue.fail(
      job.id,
      `worker ${name} reads source database ${mine}, but run ${d.parentRunId} migrates ${d.sourceDatabase}: ` +
        `start the worker with --source pointing at ${d.sourceDatabase}`,
    )
    log(`${label}: given back, this worker reads another source database (${mine})`)
    return 'failed'
  }
  if (!(await isRunning(pool, d.parentRunId))) {
    await queue.complete(job, { abandoned: `run ${d.parentRunId} is no longer running` })
    log(`${label}: dropped, its run is no longer running`)
    return 'abandoned'
  }
  log(`${label}: started`)
  // Stop after the batch in progress when told to, or when the run's coordinator is gone.
  const stop = new AbortController()
  const onAbort = () => stop.abort()
  opts.signal?.addEventListener('abort', onAbort)
  let orphaned = false
  const watch = setInterval(() => {
    isRunning(pool, d.parentRunId).then(
      (running) => {
        if (!running) {
          orphaned = true
          stop.abort()
        }
      },
      () => undefined,
    )
  }, 1000)
  try {
    const result = await runMigration({
      mapping: parseMapping(d.mappingText, d.mappingFile),
      mappingFile: d.mappingFile,
      recordedMapping: { mapping: d.mappingFile, mappingHash: d.mappingHash, bundles: d.bundles },
      sourceUrl: opts.sourceUrl,
      targetUrl: opts.targetUrl,
      batchSize: d.batchSize,
      reportsDir: opts.reportsDir ?? 'reports',
      signal: stop.signal,
      range: {
        parentRunId: d.parentRunId,
        index: d.index,
        afterNid: d.afterNid,
        throughNid: d.throughNid,
        jobId: job.id,
        worker: name,
      },
    })
    if (result.status === 'succeeded') {
      await queue.complete(job, { rangeRunId: result.runId, ...result.summary })
      log(`${label}: ${renderSummaryLine(result.summary)}`)
      return 'done'
    }
    const why = orphaned ? `run ${d.parentRunId} stopped` : `worker ${name} was told to stop`
    await queue.fail(job.id, `interrupted: ${why}`)
    log(`${label}: interrupted (${why}), given back to the queue`)
    return 'failed'
  } catch (error) {
    const message = (error as Error).message
    await queue.fail(job.id, message).catch(() => undefined)
    log(`${label}: failed, given back to the queue: ${message}`)
    return 'failed'
  } finally {
    clearInterval(watch)
    opts.signal?.removeEventListener('abort', onAbort)
  }
}

/** The run is recorded as running and its process still holds its lock. */
async function isRunning(pool: pg.Pool, runId: number): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    `SELECT status = 'running' AND ${runIsAliveSql('r')} AS ok FROM migration_run r WHERE id = $1`,
    [runId],
  )
  return rows[0]?.ok === true
}
