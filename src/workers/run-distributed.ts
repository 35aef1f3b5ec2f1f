import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { databaseName } from '../config/connections.js'
import { redactUrl } from '../config/redact.js'
import { ConfigError, LockedError, TargetError } from '../errors.js'
import { readSourceClock } from '../extract/changed-nodes.js'
import { DEFAULT_BATCH_SIZE } from '../extract/extract-nodes.js'
import { countBundleNodes } from '../extract/source-db.js'
import { openSourceSession } from '../extract/source-session.js'
import {
  addRunParams,
  finishRun,
  mappingParams,
  markDeadRuns,
  type RunHandle,
  runIsAliveSql,
  startRun,
} from '../load/run-log.js'
import { applyTargetMigrations } from '../load/schema-migrations.js'
import { acquireSyncLock, type SyncLock } from '../load/sync-lock.js'
import { openTarget, type Target } from '../load/target-db.js'
import type { CompiledMapping } from '../mapping/compile.js'
import type { ActiveRun, RunListener } from '../pipeline/events.js'
import { finishRelations, hasRelationKeys } from '../pipeline/finish-relations.js'
import { runSync, type SyncResult } from '../pipeline/run-sync.js'
import { readSyncBaseline, type SyncBaseline } from '../pipeline/sync-baseline.js'
import { createReportDir, type RunSummary, toSummary, writeRunReport } from '../report/run-report.js'
import { emptyCounts, type RunCounts } from '../report/run-stats.js'
import { type LocalWorkers, startLocalWorkers } from './local-workers.js'
import { addCounts } from './merge-counts.js'
import { cutNidRanges, DEFAULT_RANGE_SIZE, type NidRange } from './nid-ranges.js'
import {
  DEFAULT_QUEUE_TIMINGS,
  openRangeQueue,
  type QueueTimings,
  type RangeJobData,
  type RangeQueue,
  readRangeJobStates,
} from './range-queue.js'

export interface DistributedMapping {
  readonly mapping: CompiledMapping
  readonly file: string
}

export interface DistributedOptions {
  /** One run per mapping (each its own site), all queued at once and drained by the same workers. */
  readonly mappings: readonly DistributedMapping[]
  readonly sourceUrl: string
  readonly targetUrl: string
  /** `dhm worker` processes to start here (0: only workers started elsewhere drain the queue). */
  readonly workers: number
  readonly batchSize?: number
  /** Nodes per range (one job of the queue). */
  readonly rangeSize?: number
  readonly timings?: QueueTimings
  readonly reportsDir?: string
  readonly onEvent?: RunListener
  /** Abort = stop handing out ranges, stop the local workers after their batch, record interrupted. */
  readonly signal?: AbortSignal
  /** How often the coordinator looks at the queue and the run log. */
  readonly pollMs?: number
  /** Told of each run once recorded (a second Ctrl-C records it as interrupted at once). */
  readonly onRunStarted?: (run: ActiveRun) => void
}

export interface DistributedSiteResult {
  readonly site: string
  readonly runId: number
  readonly status: 'succeeded' | 'interrupted'
  /** The ranges' counts plus the catch-up pass's: the shape of `dhm migrate --json`. */
  readonly summary: RunSummary
  readonly counts: RunCounts
  readonly ranges: number
  /** Attempts beyond one per range (ranges retried after a worker died or failed). */
  readonly retries: number
  /** The workers that migrated its ranges (host:pid). */
  readonly workers: readonly string[]
  /** The pass over what changed in the source while the ranges ran; null when interrupted before it. */
  readonly catchUp: SyncResult | null
  readonly reportDir: string
}

export interface DistributedResult {
  readonly status: 'succeeded' | 'interrupted'
  readonly sites: readonly DistributedSiteResult[]
}

/** One mapping's run while its ranges are drained. */
interface SiteRun {
  readonly mapping: DistributedMapping
  readonly run: RunHandle
  readonly lock: SyncLock
  readonly ranges: readonly NidRange[]
  readonly total: number
  /** The start-time state the catch-up pass compares with (as a whole migrate records it). */
  readonly baseline: SyncBaseline
  readonly mark: number
  readonly params: Record<string, unknown>
  readonly startedAt: Date
  done: boolean
}

/**
 * `dhm migrate --workers N`: one distributed run per mapping. For each: take the site's sync lock
 * (held to the end, so no sync or other migrate of the site interleaves), record the run and, in
 * one source snapshot, its start state (clock, newest stamp, publication_date checksums, side
 * tables) and its nid ranges; queue the ranges (pg-boss, in the target), start N local workers, and
 * wait. Workers migrate each range in a snapshot of their own, later than the start state. When
 * every range is done the run records that start state as its sync baseline, runs the relations
 * pass once (term tree, references, menus; the ranges leave it out) as its own, and a catch-up pass
 * (runSync, incremental, under the same lock) re-reads whatever changed since, deletions included:
 * the target then equals a single-process migration of the source as it is at the end.
 *
 * A worker that dies mid-range (its range run loses its liveness lock) has its job failed here at
 * once, so pg-boss hands the range to another worker; pg-boss's expiry is the backstop for a worker
 * that died between taking a job and recording its range.
 */
export async function runDistributedMigration(opts: DistributedOptions): Promise<DistributedResult> {
  const emit = opts.onEvent ?? (() => undefined)
  const started = Date.now()
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE
  const rangeSize = opts.rangeSize ?? DEFAULT_RANGE_SIZE
  const timings = opts.timings ?? DEFAULT_QUEUE_TIMINGS
  const reportsDir = opts.reportsDir ?? 'reports'
  const pollMs = opts.pollMs ?? 500
  const sitesSeen = new Set<string>()
  for (const { mapping, file } of opts.mappings) {
    if (sitesSeen.has(mapping.site)) {
      throw new ConfigError(
        `two mappings of site ${mapping.site} in one distributed run (${file}): each mapping needs its own site`,
      )
    }
    sitesSeen.add(mapping.site)
  }

  const target = await openTarget(opts.targetUrl, { create: true })
  const sites: SiteRun[] = []
  let queue: RangeQueue | null = null
  let workers: LocalWorkers | null = null
  try {
    const applied = await applyTargetMigrations(target.pool, opts.targetUrl)
    if (applied.length > 0) {
      emit({ kind: 'phase', message: `applied ${applied.length} schema migration(s): ${applied.join(', ')}` })
    }
    await markDeadRuns(target.pool)
    for (const m of opts.mappings) {
      const site = await startSiteRun(m, opts, { batchSize, rangeSize }, emit)
      sites.push(site)
      opts.onRunStarted?.({ id: site.run.id, recordInterrupted: () => site.run.recordInterrupted() })
    }
    queue = await openRangeQueue(opts.targetUrl, timings, (error) =>
      emit({
        kind: 'phase',
        message: `queue maintenance failed (retried at its next interval): ${error.message}`,
      }),
    )
    const mappingTexts = await Promise.all(sites.map((s) => readFile(s.mapping.file, 'utf8')))
    const jobs: RangeJobData[] = sites.flatMap((s, i) =>
      s.ranges.map((r) => ({
        parentRunId: s.run.id,
        site: s.mapping.mapping.site,
        index: r.index,
        ranges: s.ranges.length,
        afterNid: r.afterNid,
        throughNid: r.throughNid,
        mappingFile: s.mapping.file,
        mappingText: mappingTexts[i] ?? '',
        mappingHash: String(s.params.mappingHash),
        bundles: s.mapping.mapping.source.bundles,
        sourceDatabase: databaseName(opts.sourceUrl),
        batchSize,
      })),
    )
    await queue.enqueue(jobs)
    const total = sites.reduce((n, s) => n + s.total, 0)
    emit({
      kind: 'phase',
      message:
        `queued ${jobs.length} range(s) of about ${rangeSize} node(s) for ${sites.length} run(s) ` +
        `(${sites.map((s) => `${s.mapping.mapping.site}: run ${s.run.id}`).join(', ')}); ` +
        (opts.workers > 0
          ? `starting ${opts.workers} local worker(s)`
          : 'no local worker: waiting for "dhm worker" processes'),
    })
    emit({ kind: 'start', total })
    if (opts.workers > 0) {
      workers = startLocalWorkers(opts.workers, {
        sourceUrl: opts.sourceUrl,
        targetUrl: opts.targetUrl,
        reportsDir,
        onLine: (k, line) => emit({ kind: 'phase', message: `worker ${k}: ${line}` }),
      })
    }

    const results: DistributedSiteResult[] = []
    let interrupted = false
    while (sites.some((s) => !s.done)) {
      if (opts.signal?.aborted) {
        interrupted = true
        break
      }
      await sleep(pollMs)
      const open = sites.filter((s) => !s.done)
      const ids = open.map((s) => s.run.id)
      for (const dead of await reapDeadRanges(target, ids)) {
        await queue.fail(dead.jobId, `worker ${dead.worker} died during range ${dead.index + 1}`)
        emit({
          kind: 'phase',
          message: `worker ${dead.worker} died during range ${dead.index + 1} of run ${dead.parentRunId}: retrying it`,
        })
      }
      const states = await readRangeJobStates(target.pool, ids)
      const progress = emptyCounts()
      for (const s of sites) addCounts(progress, (await readRangeCounts(target, s.run.id)).counts)
      emit({ kind: 'progress', counts: progress, total, elapsedMs: Date.now() - started })
      for (const s of open) {
        const mine = states.filter((j) => j.parentRunId === s.run.id)
        const failed = mine.find((j) => j.state === 'failed' || j.state === 'cancelled')
        if (failed) {
          const error = await readRangeError(target, s.run.id, failed.index)
          throw new TargetError(
            `range ${failed.index + 1} of run ${s.run.id} (site ${s.mapping.mapping.site}) failed ` +
              `${failed.retryCount + 1} time(s): ${error}. Fix the cause and rerun dhm migrate: committed ` +
              'ranges are kept and unchanged articles are skipped.',
          )
        }
        if (mine.length === s.ranges.length && mine.every((j) => j.state === 'completed')) {
          results.push(await finishSiteRun(s, target, opts, { batchSize, reportsDir, started }, emit))
        }
      }
      if (workers && workers.running() === 0 && opts.workers > 0 && sites.some((s) => !s.done)) {
        const remaining = await queue.openJobs()
        if (remaining > 0) {
          throw new TargetError(
            `every local worker exited (codes ${workers.exitCodes().join(', ')}) with ${remaining} range(s) ` +
              'left: see their lines above; rerun dhm migrate, or start "dhm worker" processes to drain them',
          )
        }
      }
    }
    if (interrupted) {
      await queue.cancelRuns(sites.filter((s) => !s.done).map((s) => s.run.id))
      await workers?.stop()
      for (const s of sites.filter((x) => !x.done)) {
        const { counts } = await readRangeCounts(target, s.run.id)
        await finishRun(target.pool, s.run.id, 'interrupted', counts)
        s.done = true
        const reportDir = await writeSiteReport(s, counts, 'interrupted', started, reportsDir)
        results.push({
          site: s.mapping.mapping.site,
          runId: s.run.id,
          status: 'interrupted',
          summary: toSummary(counts, (Date.now() - started) / 1000),
          counts,
          ranges: s.ranges.length,
          retries: 0,
          workers: [],
          catchUp: null,
          reportDir,
        })
      }
    }
    return { status: interrupted ? 'interrupted' : 'succeeded', sites: results }
  } catch (error) {
    if (queue)
      await queue.cancelRuns(sites.filter((s) => !s.done).map((s) => s.run.id)).catch(() => undefined)
    for (const s of sites.filter((x) => !x.done)) {
      const { counts } = await readRangeCounts(target, s.run.id).catch(() => ({ counts: emptyCounts() }))
      await finishRun(target.pool, s.run.id, 'failed', counts, { error: (error as Error).message }).catch(
        () => undefined,
      )
    }
    throw error
  } finally {
    await workers?.stop()
    await queue?.close().catch(() => undefined)
    for (const s of sites) {
      await s.run.release()
      await s.lock.release()
    }
    await target.close()
  }
}

/** Lock the site, read its start state and ranges in one snapshot, record its run. */
async function startSiteRun(
  m: DistributedMapping,
  opts: DistributedOptions,
  sizes: { batchSize: number; rangeSize: number },
  emit: RunListener,
): Promise<SiteRun> {
  const { mapping } = m
  const lock = await acquireSyncLock(opts.targetUrl, mapping.site).catch((error: unknown) => {
    throw error instanceof LockedError
      ? new LockedError(
          `a dhm sync or another distributed migrate of site ${mapping.site} is running against ` +
            `${redactUrl(opts.targetUrl)} (it holds the site's sync lock); this run did nothing. Rerun once it has finished.`,
        )
      : error
  })
  try {
    const recorded = await mappingParams(m.file, mapping.source.bundles)
    emit({ kind: 'phase', message: `reading the source schema (${redactUrl(opts.sourceUrl)})` })
    const session = await openSourceSession(opts.sourceUrl, mapping)
    let ranges: NidRange[]
    let baseline: SyncBaseline
    let clock: number
    let total: number
    try {
      clock = await readSourceClock(session.conn, opts.sourceUrl)
      baseline = await readSyncBaseline(
        session.conn,
        mapping,
        session.layout,
        opts.sourceUrl,
        session.openedAt,
      )
      ranges = await cutNidRanges(session.conn, opts.sourceUrl, mapping.source.bundles, sizes.rangeSize)
      total = await countBundleNodes(session.conn, opts.sourceUrl, mapping.source.bundles)
    } finally {
      await session.close()
    }
    const params = {
      mapping: recorded.mapping,
      source: redactUrl(opts.sourceUrl),
      target: redactUrl(opts.targetUrl),
      batchSize: sizes.batchSize,
      limit: null,
      dryRun: false,
      mappingHash: recorded.mappingHash,
      bundles: recorded.bundles,
      distributed: { ranges: ranges.length, rangeSize: sizes.rangeSize, localWorkers: opts.workers },
    }
    const run = await startRun(opts.targetUrl, mapping.site, 'migrate', params)
    return {
      mapping: m,
      run,
      lock,
      ranges,
      total,
      baseline,
      // As a whole migrate records it: never past the source's clock at the start.
      mark: Math.min(baseline.newestStamp ?? 0, clock),
      params,
      startedAt: new Date(),
      done: false,
    }
  } catch (error) {
    await lock.release()
    throw error
  }
}

/** Every range done: record the start state as the sync baseline, then the catch-up pass. */
async function finishSiteRun(
  s: SiteRun,
  target: Target,
  opts: DistributedOptions,
  ctx: { batchSize: number; reportsDir: string; started: number },
  emit: RunListener,
): Promise<DistributedSiteResult> {
  const site = s.mapping.mapping.site
  const ranges = await readRangeCounts(target, s.run.id)
  await addRunParams(target.pool, s.run.id, {
    publicationDateChecksums: s.baseline.checksums,
    sideState: s.baseline.side,
    rangeWorkers: ranges.workers,
  })
  emit({
    kind: 'phase',
    message: `run ${s.run.id} (site ${site}): every range done; term tree, references and menus`,
  })
  // Once per distributed run, as a single-process migrate does it after its last batch: the ranges
  // leave it out. Its changes are the run's (undo log), so dhm rollback of the run undoes them too.
  const session = await openSourceSession(opts.sourceUrl, s.mapping.mapping)
  try {
    const relations = await finishRelations({
      conn: session.conn,
      sourceUrl: opts.sourceUrl,
      pool: target.pool,
      targetUrl: opts.targetUrl,
      mapping: s.mapping.mapping,
      runId: s.run.id,
    })
    if (hasRelationKeys(s.mapping.mapping)) ranges.counts.relations = relations
  } finally {
    await session.close()
  }
  await finishRun(target.pool, s.run.id, 'succeeded', ranges.counts, { highWaterMark: s.mark })
  s.done = true
  emit({
    kind: 'phase',
    message: `run ${s.run.id} (site ${site}): every range done; catching up with what changed in the source since it started`,
  })
  const catchUp = await runSync({
    mapping: s.mapping.mapping,
    mappingFile: s.mapping.file,
    sourceUrl: opts.sourceUrl,
    targetUrl: opts.targetUrl,
    batchSize: ctx.batchSize,
    reportsDir: ctx.reportsDir,
    heldLock: s.lock,
    onEvent: (e) => {
      if (e.kind === 'phase') emit({ kind: 'phase', message: `catch-up: ${e.message}` })
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
  const counts = ranges.counts
  addCounts(counts, catchUp.counts)
  const status = catchUp.status
  const reportDir = await writeSiteReport(s, counts, status, ctx.started, ctx.reportsDir)
  return {
    site,
    runId: s.run.id,
    status,
    summary: toSummary(counts, (Date.now() - ctx.started) / 1000),
    counts,
    ranges: s.ranges.length,
    retries: ranges.attempts - s.ranges.length,
    workers: ranges.workers,
    catchUp,
    reportDir,
  }
}

async function writeSiteReport(
  s: SiteRun,
  counts: RunCounts,
  status: 'succeeded' | 'interrupted',
  started: number,
  reportsDir: string,
): Promise<string> {
  const reportDir = await createReportDir(reportsDir, 'migrate', s.startedAt)
  await writeRunReport(reportDir, {
    command: 'migrate',
    site: s.mapping.mapping.site,
    runId: s.run.id,
    startedAt: s.startedAt,
    status,
    summary: toSummary(counts, (Date.now() - started) / 1000),
    counts,
    params: s.params,
  })
  return reportDir
}

const RANGE_OF = "(params->'range'->>'parentRunId')::int"

/**
 * The counts of a run's ranges: the newest succeeded attempt of each (a retried range counts once),
 * how many attempts were recorded, and the workers that did the succeeded ones.
 */
async function readRangeCounts(
  target: Target,
  parentRunId: number,
): Promise<{ counts: RunCounts; attempts: number; workers: string[] }> {
  const { rows } = await target.pool.query<{ counts: RunCounts; worker: string }>(
    `SELECT DISTINCT ON ((params->'range'->>'index')::int) counts, params->'range'->>'worker' AS worker
     FROM migration_run WHERE command = 'migrate-range' AND ${RANGE_OF} = $1 AND status = 'succeeded'
     ORDER BY (params->'range'->>'index')::int, id DESC`,
    [parentRunId],
  )
  const { rows: all } = await target.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM migration_run WHERE command = 'migrate-range' AND ${RANGE_OF} = $1`,
    [parentRunId],
  )
  const counts = emptyCounts()
  for (const r of rows) addCounts(counts, r.counts)
  return {
    counts,
    attempts: all[0]?.n ?? 0,
    workers: [...new Set(rows.map((r) => r.worker))].sort(),
  }
}

/** The error the newest attempt of a range recorded (its run's counts.error). */
async function readRangeError(target: Target, parentRunId: number, index: number): Promise<string> {
  const { rows } = await target.pool.query<{ error: string | null; status: string }>(
    `SELECT counts->>'error' AS error, status FROM migration_run
     WHERE command = 'migrate-range' AND ${RANGE_OF} = $1 AND (params->'range'->>'index')::int = $2
     ORDER BY id DESC LIMIT 1`,
    [parentRunId, index],
  )
  const row = rows[0]
  if (!row) return "no worker recorded an attempt (see the workers' output)"
  return row.error ?? `its last attempt ended ${row.status}`
}

/**
 * Range attempts whose worker died without recording an outcome: still `running` without their
 * lock, or marked interrupted by another process's markDeadRuns (no finished_at). Claimed here
 * (finished_at set) so each is reaped once.
 */
async function reapDeadRanges(
  target: Target,
  parentRunIds: readonly number[],
): Promise<{ jobId: string; worker: string; index: number; parentRunId: number }[]> {
  const { rows } = await target.pool.query<{ job_id: string; worker: string; index: number; parent: number }>(
    `UPDATE migration_run r SET status = 'interrupted', finished_at = now()
     WHERE command = 'migrate-range' AND (params->'range'->>'parentRunId')::int = ANY($1::int[])
       AND ((status = 'running' AND NOT ${runIsAliveSql('r')}) OR (status = 'interrupted' AND finished_at IS NULL))
     RETURNING params->'range'->>'jobId' AS job_id, params->'range'->>'worker' AS worker,
       (params->'range'->>'index')::int AS index, ${RANGE_OF} AS parent`,
    [parentRunIds],
  )
  return rows.map((r) => ({ jobId: r.job_id, worker: r.worker, index: r.index, parentRunId: r.parent }))
}
