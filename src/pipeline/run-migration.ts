import type pg from 'pg'
import { databaseName } from '../config/connections.js'
import { redactUrl } from '../config/redact.js'
import { undoRetentionDays } from '../config/undo-retention.js'
import { TargetError } from '../errors.js'
import { readSourceClock } from '../extract/changed-nodes.js'
import { extractArticleNodes } from '../extract/extract-article-nodes.js'
import { DEFAULT_BATCH_SIZE } from '../extract/extract-nodes.js'
import { countBundleNodes, type SourceConnection } from '../extract/source-db.js'
import { explainSourceLoss, isSourceConnectionLost } from '../extract/source-loss.js'
import { openSourceSession } from '../extract/source-session.js'
import { type BatchResult, loadBatch } from '../load/load-batch.js'
import { planBatch } from '../load/plan-batch.js'
import { pruneRunChanges } from '../load/run-changes.js'
import {
  addRunParams,
  finishRun,
  mappingParams,
  markDeadRuns,
  type RunHandle,
  startRun,
} from '../load/run-log.js'
import {
  applyTargetMigrations,
  defaultMigrationsDir,
  listPendingMigrations,
  readMigrationsDirectory,
} from '../load/schema-migrations.js'
import {
  assertMayCreateDatabase,
  explainTargetError,
  openTarget,
  openTargetIfExists,
  type Target,
} from '../load/target-db.js'
import { TargetStatistics } from '../load/target-statistics.js'
import type { CompiledMapping } from '../mapping/compile.js'
import {
  appendRejects,
  createReportDir,
  type RunSummary,
  toSummary,
  writeRunReport,
} from '../report/run-report.js'
import { addBatch, addContentCounts, emptyCounts, type RunCounts } from '../report/run-stats.js'
import { countStrayLanguageRows } from '../transform/outcome.js'
import { planMigration } from '../verify/plan-migration.js'
import type { ActiveRun, RunListener } from './events.js'
import { prefetch } from './prefetch.js'
import { retryTargetBatch } from './retry.js'
import { fastPathFilter, transformBatch } from './skip-unchanged.js'
import { readSyncBaseline } from './sync-baseline.js'

export interface MigrateOptions {
  readonly mapping: CompiledMapping
  readonly mappingFile: string
  readonly sourceUrl: string
  readonly targetUrl: string
  readonly batchSize?: number
  readonly limit?: number
  readonly ids?: readonly number[]
  readonly dryRun?: boolean
  readonly reportsDir?: string
  readonly onEvent?: RunListener
  /** Abort = stop after the current batch commits (SIGINT/SIGTERM); the run is marked interrupted. */
  readonly signal?: AbortSignal
  /** Told once the run is recorded in migration_run (never for a dry run). */
  readonly onRunStarted?: (run: ActiveRun) => void
  /** false (`--no-fast-path`): transform every node, even those its fingerprints settle. */
  readonly fastPath?: boolean
}

export interface MigrateResult {
  /** 'interrupted': `signal` aborted the run; the batches before it are committed. */
  readonly status: 'succeeded' | 'interrupted'
  readonly summary: RunSummary
  readonly counts: RunCounts
  readonly runId: number | null
  readonly reportDir: string | null
  readonly pendingMigrations: readonly string[]
  /** A dry run against a database that does not exist yet: a real run would create it. */
  readonly createsDatabase: boolean
}

/**
 * `dhm migrate`: extract → transform → load, one transaction per batch. Safe to re-run: unchanged
 * articles are recognised by content hash and not written. With `dryRun`, nothing is written to the
 * target (not even its schema): the result says what would be inserted and updated.
 */
export async function runMigration(opts: MigrateOptions): Promise<MigrateResult> {
  const started = Date.now()
  const startedAt = new Date(started)
  const emit = opts.onEvent ?? (() => undefined)
  const { mapping } = opts
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE
  const recorded = await mappingParams(opts.mappingFile, mapping.source.bundles)
  const params = {
    mapping: recorded.mapping,
    source: redactUrl(opts.sourceUrl),
    target: redactUrl(opts.targetUrl),
    batchSize,
    limit: opts.limit ?? null,
    dryRun: opts.dryRun ?? false,
    // Which mapping wrote the site: dhm migrate and check warn when another one did (shared-site.ts).
    mappingHash: recorded.mappingHash,
    bundles: recorded.bundles,
  }

  // Everything that can be wrong with the configuration fails here, before the first batch.
  emit({ kind: 'phase', message: `reading the source schema (${redactUrl(opts.sourceUrl)})` })
  const source = await openSourceSession(opts.sourceUrl, mapping)
  const { conn, layout } = source
  let target: Target | null = null
  let run: RunHandle | null = null
  try {
    const prepared = await prepareTarget(opts, emit)
    target = prepared.target
    const { writer, planPool, pendingMigrations, createsDatabase } = prepared
    const statistics = writer ? await TargetStatistics.open(writer.pool) : null
    const total = await countNodes(conn, mapping, opts)
    emit({ kind: 'start', total })
    const counts = emptyCounts()
    // Before the run is recorded: a reports folder that cannot be made must not leave a run behind.
    const reportDir = await createReportDir(
      opts.reportsDir ?? 'reports',
      opts.dryRun ? 'migrate-dry-run' : 'migrate',
      startedAt,
    )
    run = writer ? await startRun(opts.targetUrl, mapping.site, 'migrate', params) : null
    const runId = run?.id ?? null
    if (run) {
      const active = run
      opts.onRunStarted?.({ id: active.id, recordInterrupted: () => active.recordInterrupted(counts) })
    }
    // A dry run also writes report.json/.md/.html: the plan, article by article and field by field.
    const plan = opts.dryRun
      ? planMigration({
          pool: planPool,
          site: mapping.site,
          bundles: mapping.source.bundles,
          reportDir,
          ...(opts.ids !== undefined ? { ids: opts.ids } : {}),
          limited: opts.limit !== undefined,
        })
      : null
    let interrupted = false
    try {
      const batches = extractArticleNodes(conn, {
        mapping,
        layout,
        batchSize,
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        ...(opts.ids !== undefined ? { ids: opts.ids } : {}),
        sourceUrl: opts.sourceUrl,
      })
      // Transform on the producer side of the queue: while Postgres writes batch N, MariaDB reads
      // and JS transforms the next one (bounded: PREFETCH_DEPTH batches ahead). Only the outcomes
      // wait in the queue; the raw source rows (5× bigger) are dropped at once. (Reading MariaDB a
      // batch ahead of the transform as well was measured: no faster, more memory.)
      const unchanged = writer ? fastPathFilter(writer.pool, mapping, opts.fastPath, counts) : null
      const transformed = mapBatches(batches, async (batch) => ({
        read: batch.length,
        outcomes: await transformBatch(batch, mapping, unchanged),
      }))
      for await (const { read, outcomes } of prefetch(transformed, PREFETCH_DEPTH)) {
        const plans = unchanged?.plansFor(outcomes)
        const result: BatchResult =
          writer === null
            ? await planBatch(planPool, mapping.site, outcomes)
            : await retryTargetBatch(
                () =>
                  inTransaction(writer.pool, opts.targetUrl, (client) =>
                    loadBatch(client, mapping.site, runId, outcomes, mapping.owned, plans),
                  ),
                { command: 'migrate', targetUrl: opts.targetUrl, emit },
              )
        await statistics?.afterBatch(result.inserted + result.updated)
        addBatch(counts, read, result, countStrayLanguageRows(outcomes))
        addContentCounts(counts, outcomes)
        await appendRejects(reportDir, result.rejected)
        await plan?.addBatch(outcomes)
        emit({ kind: 'progress', counts: { ...counts }, total, elapsedMs: Date.now() - started })
        if (opts.signal?.aborted) {
          interrupted = true
          break
        }
      }
    } catch (caught) {
      const error = isSourceConnectionLost(caught)
        ? explainSourceLoss(caught, opts.sourceUrl, 'migrate')
        : caught
      if (writer && runId !== null) {
        await finishRun(writer.prisma, runId, 'failed', counts, { error: (error as Error).message }).catch(
          () => undefined,
        )
      }
      throw error
    }
    await statistics?.finish()
    const status = interrupted ? 'interrupted' : 'succeeded'
    const summary = toSummary(counts, (Date.now() - started) / 1000)
    if (writer && runId !== null) {
      // A whole migration is a full pass: the next sync starts from what this snapshot held (the
      // mark, publication_date checksums, side tables), not from a full pass of its own.
      const whole = status === 'succeeded' && opts.limit === undefined && opts.ids === undefined
      let highWaterMark: number | undefined
      if (whole) {
        const baseline = await readSyncBaseline(conn, mapping, layout, opts.sourceUrl)
        const clock = await readSourceClock(conn, opts.sourceUrl)
        highWaterMark = Math.min(baseline.newestStamp ?? 0, clock)
        await addRunParams(writer.pool, runId, {
          publicationDateChecksums: baseline.checksums,
          sideState: baseline.side,
        })
      }
      await finishRun(
        writer.prisma,
        runId,
        status,
        counts,
        highWaterMark === undefined ? {} : { highWaterMark },
      )
    }
    await writeRunReport(reportDir, {
      command: opts.dryRun ? 'migrate --dry-run' : 'migrate',
      site: mapping.site,
      runId,
      startedAt,
      status,
      summary,
      counts,
      params,
    })
    await plan?.write({ startedAt, params })
    return { status, summary, counts, runId, reportDir, pendingMigrations, createsDatabase }
  } finally {
    // After finishRun: the run's lock says it is alive until its outcome is recorded.
    await run?.release()
    await target?.close()
    await source.close()
  }
}

/** The target as a run uses it. */
interface PreparedTarget {
  /** What to close at the end (null: a dry run found no database). */
  readonly target: Target | null
  /** A real run's target, schema migrations applied; null for a dry run. */
  readonly writer: Target | null
  /** A dry run's target to compare with; null when it has no schema (or no database) yet. */
  readonly planPool: pg.Pool | null
  /** Applied (real run) or that would be applied (dry run). */
  readonly pendingMigrations: string[]
  readonly createsDatabase: boolean
}

/**
 * Open the target for a run: a real run creates a missing database and applies pending schema
 * migrations; a dry run only looks, and plans against a missing database or schema as an empty one.
 */
async function prepareTarget(opts: MigrateOptions, emit: RunListener): Promise<PreparedTarget> {
  if (!opts.dryRun) {
    const writer = await openTarget(opts.targetUrl, { create: true })
    try {
      const applied = await applyTargetMigrations(writer.pool, opts.targetUrl)
      if (applied.length > 0) {
        emit({
          kind: 'phase',
          message: `applied ${applied.length} schema migration(s): ${applied.join(', ')}`,
        })
      }
      const dead = await markDeadRuns(writer.pool)
      await pruneRunChanges(writer.pool, undoRetentionDays())
      if (dead > 0) {
        emit({
          kind: 'phase',
          message: `${dead} run(s) left running by a process that died: marked interrupted`,
        })
      }
      return { target: writer, writer, planPool: null, pendingMigrations: applied, createsDatabase: false }
    } catch (error) {
      await writer.close()
      throw error
    }
  }
  const target = await openTargetIfExists(opts.targetUrl)
  if (target === null) {
    await assertMayCreateDatabase(opts.targetUrl)
    const pending = (await readMigrationsDirectory(defaultMigrationsDir())).map((m) => m.name)
    emit({
      kind: 'phase',
      message:
        `the target database ${databaseName(opts.targetUrl)} does not exist yet: "dhm migrate" would ` +
        `create it and apply ${pending.length} schema migration(s)`,
    })
    return { target: null, writer: null, planPool: null, pendingMigrations: pending, createsDatabase: true }
  }
  try {
    const pending = await listPendingMigrations(target.pool).catch((e) => {
      throw explainTargetError(e, opts.targetUrl)
    })
    if (pending.length > 0) {
      emit({
        kind: 'phase',
        message: `would apply ${pending.length} schema migration(s): ${pending.join(', ')}`,
      })
    }
    const hasSchema = await tableExists(target.pool, 'article')
    return {
      target,
      writer: null,
      planPool: hasSchema ? target.pool : null,
      pendingMigrations: pending,
      createsDatabase: false,
    }
  } catch (error) {
    await target.close()
    throw error
  }
}

/** Batches read and transformed ahead of the writer; measured with bench/run.ts (2 cores). */
const PREFETCH_DEPTH = 1

async function* mapBatches<T, U>(source: AsyncIterable<T>, fn: (item: T) => Promise<U>): AsyncGenerator<U> {
  for await (const item of source) yield await fn(item)
}

async function countNodes(
  conn: SourceConnection,
  mapping: CompiledMapping,
  opts: MigrateOptions,
): Promise<number> {
  const n = await countBundleNodes(conn, opts.sourceUrl, mapping.source.bundles)
  const capped = opts.ids ? Math.min(n, opts.ids.length) : n
  return opts.limit !== undefined ? Math.min(capped, opts.limit) : capped
}

async function tableExists(pool: pg.Pool, table: string): Promise<boolean> {
  const { rows } = await pool.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    table,
  ])
  return rows[0]?.exists ?? false
}

/** Run `fn` in one transaction on a pooled client; roll back on any error. */
export async function inTransaction<T>(
  pool: pg.Pool,
  url: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (cause) {
    throw explainTargetError(cause, url)
  }
  // A session killed between two statements is reported as an 'error' event (no query to fail);
  // without a listener it would crash the process. The next statement fails, and the retry handles it.
  let broken: Error | undefined
  const onError = (error: Error) => {
    broken = error
  }
  client.on('error', onError)
  try {
    await client.query('BEGIN')
    // Every batch is idempotent and re-runnable, so a crash losing the last commits costs a re-run,
    // never consistency; not waiting for the WAL flush per batch keeps the writer busy.
    await client.query('SET LOCAL synchronous_commit = off')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    // The session's own error (e.g. 57P01) says why; the statement's is only "not queryable".
    const failure = broken ?? error
    broken ??= error as Error
    if (failure instanceof TargetError) throw failure
    throw (failure as { code?: string }).code ? explainTargetError(failure, url) : failure
  } finally {
    client.off('error', onError)
    // A client that failed is discarded, not pooled: its session may be gone or mid-transaction.
    client.release(broken)
  }
}
