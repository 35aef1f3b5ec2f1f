import type pg from 'pg'
import PgBoss from 'pg-boss'
import { explainTargetError } from '../load/target-db.js'

/** The pg-boss queue of ranges, in its own schema of the target database. */
export const RANGE_QUEUE = 'dhm_migrate_range'
export const QUEUE_SCHEMA = 'dhm_boss'

/** What a worker needs to migrate one range; no connection URL (workers bring their own). */
export interface RangeJobData {
  readonly parentRunId: number
  readonly site: string
  readonly index: number
  readonly ranges: number
  readonly afterNid: number
  readonly throughNid: number | null
  /** The mapping as the coordinator read it: a worker on another machine needs no copy of the file. */
  readonly mappingFile: string
  readonly mappingText: string
  readonly mappingHash: string
  readonly bundles: readonly string[]
  /** The source database's name, so a worker pointed at another database refuses the range. */
  readonly sourceDatabase: string
  readonly batchSize: number
}

/** Retry and expiry of a range's job (tests shorten them). */
export interface QueueTimings {
  /** Attempts after the first: a range failing this many more times fails its run. */
  readonly retryLimit: number
  /** An active job no worker finished within this is retried (pg-boss expiry, a backstop). */
  readonly expireInSeconds: number
  /** How often pg-boss expires jobs (its maintenance). */
  readonly maintenanceIntervalSeconds: number
}

export const DEFAULT_QUEUE_TIMINGS: QueueTimings = {
  retryLimit: 3,
  expireInSeconds: 30 * 60,
  maintenanceIntervalSeconds: 60,
}

export interface RangeJob {
  readonly id: string
  readonly data: RangeJobData
}

/** The queue as dhm uses it. */
export interface RangeQueue {
  enqueue(jobs: readonly RangeJobData[]): Promise<void>
  /** The next range to work on (marked active), or null when none is waiting. */
  fetch(): Promise<RangeJob | null>
  complete(job: RangeJob, output: Record<string, unknown>): Promise<void>
  /** Failed: retried (by any worker) until its retries are spent. */
  fail(jobId: string, message: string): Promise<void>
  /** Jobs waiting, to retry or running, of every run. */
  openJobs(): Promise<number>
  /** Cancel what is still open of these runs (a run that stopped). */
  cancelRuns(parentRunIds: readonly number[]): Promise<void>
  close(): Promise<void>
}

/**
 * Open the range queue on the target Postgres (pg-boss creates its schema on first use). Errors of
 * pg-boss's background maintenance go to `onError` (never an unhandled 'error' event).
 */
export async function openRangeQueue(
  targetUrl: string,
  timings: QueueTimings,
  onError: (error: Error) => void,
): Promise<RangeQueue> {
  const boss = new PgBoss({
    connectionString: targetUrl,
    schema: QUEUE_SCHEMA,
    max: 2,
    application_name: 'dhm queue',
    schedule: false,
    maintenanceIntervalSeconds: timings.maintenanceIntervalSeconds,
  })
  boss.on('error', onError)
  try {
    await boss.start()
    if (!(await boss.getQueue(RANGE_QUEUE))) await boss.createQueue(RANGE_QUEUE)
  } catch (cause) {
    await boss.stop({ graceful: false, wait: false }).catch(() => undefined)
    throw explainTargetError(cause, targetUrl)
  }
  const db = boss.getDb()
  return {
    async enqueue(jobs) {
      await boss.insert(
        jobs.map((data) => ({
          name: RANGE_QUEUE,
          data,
          // Once per run and range, whoever enqueues it.
          singletonKey: `${data.parentRunId}:${data.index}`,
          retryLimit: timings.retryLimit,
          retryDelay: 0,
          expireInSeconds: timings.expireInSeconds,
        })),
      )
    },
    async fetch() {
      const [job] = await boss.fetch<RangeJobData>(RANGE_QUEUE, { batchSize: 1 })
      return job ? { id: job.id, data: job.data } : null
    },
    async complete(job, output) {
      await boss.complete(RANGE_QUEUE, job.id, output)
    },
    async fail(jobId, message) {
      await boss.fail(RANGE_QUEUE, jobId, { message })
    },
    async openJobs() {
      return boss.getQueueSize(RANGE_QUEUE, { before: 'completed' })
    },
    async cancelRuns(parentRunIds) {
      const { rows } = await db.executeSql(
        `SELECT id FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND state < 'completed'
           AND (data->>'parentRunId')::int = ANY($2::int[])`,
        [RANGE_QUEUE, parentRunIds],
      )
      const ids = rows.map((r: { id: string }) => r.id)
      if (ids.length > 0) await boss.cancel(RANGE_QUEUE, ids)
    },
    async close() {
      await boss.stop({ graceful: false, wait: true, close: true })
    },
  }
}

/** The state of each range's job of these runs: created, retry, active, completed, cancelled, failed. */
export async function readRangeJobStates(
  db: pg.Pool | pg.ClientBase,
  parentRunIds: readonly number[],
): Promise<RangeJobState[]> {
  const { rows } = await db.query<{ parent: number; index: number; state: string; retry_count: number }>(
    `SELECT (data->>'parentRunId')::int AS parent, (data->>'index')::int AS index, state::text AS state,
       retry_count
     FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND (data->>'parentRunId')::int = ANY($2::int[])
     UNION ALL
     SELECT (data->>'parentRunId')::int, (data->>'index')::int, state::text, retry_count
     FROM ${QUEUE_SCHEMA}.archive WHERE name = $1 AND (data->>'parentRunId')::int = ANY($2::int[])`,
    [RANGE_QUEUE, parentRunIds],
  )
  return rows.map((r) => ({
    parentRunId: r.parent,
    index: r.index,
    state: r.state as RangeJobState['state'],
    retryCount: r.retry_count,
  }))
}

export interface RangeJobState {
  readonly parentRunId: number
  readonly index: number
  readonly state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed'
  /** Attempts after the first one so far. */
  readonly retryCount: number
}
