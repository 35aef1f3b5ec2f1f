import type pg from 'pg'
import { databaseName } from '../config/connections.js'
import { redactUrl } from '../config/redact.js'
import { undoRetentionDays } from '../config/undo-retention.js'
import { readSourceClock } from '../extract/changed-nodes.js'
import { extractArticleNodes } from '../extract/extract-article-nodes.js'
import { DEFAULT_BATCH_SIZE } from '../extract/extract-nodes.js'
import { openSourceSession } from '../extract/source-session.js'
import { writeArticleLinks } from '../load/article-links.js'
import { finishBulkLoad, finishDeadBulkLoads, startBulkLoad } from '../load/bulk-load.js'
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
import { inTransaction } from '../load/transaction.js'
import type { CompiledMapping } from '../mapping/compile.js'
import {
  appendRejects,
  createReportDir,
  type RunSummary,
  toSummary,
  writeRunReport,
} from '../report/run-report.js'
import { emptyCounts, type RunCounts } from '../report/run-stats.js'
import { planMigration } from '../verify/plan-migration.js'
import { type BatchSink, countSourceNodes, runBatches, tagged } from './engine.js'
import type { ActiveRun, RunListener } from './events.js'
import { finishRelations, hasRelationKeys } from './finish-relations.js'
import { bodyLinkHosts } from './side-changes.js'
import { fastPathFilter } from './skip-unchanged.js'
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
  /**
   * One range of a distributed run (`dhm worker`): only nids in (afterNid, throughNid], recorded
   * as a `migrate-range` run under the run that cut it. The coordinator records the sync baseline
   * and runs the relations pass (finish-relations.ts) once, when every range is done.
   */
  readonly range?: MigrateRange
  /**
   * Into a target without articles, build secondary indexes and foreign keys after the load
   * (load/bulk-load.ts); never for a range (other workers write beside it). Default: on, unless
   * DHM_BULK_LOAD=0.
   */
  readonly bulkLoad?: boolean
  /** The mapping as the coordinator recorded it (a worker may not have the file); else read from mappingFile. */
  readonly recordedMapping?: {
    readonly mapping: string
    readonly mappingHash: string
    readonly bundles: readonly string[]
  }
}

/** A nid range of a distributed run and who runs it (see workers/run-worker.ts). */
export interface MigrateRange {
  readonly parentRunId: number
  readonly index: number
  readonly afterNid: number
  /** Inclusive; null: every nid after afterNid (the last range). */
  readonly throughNid: number | null
  readonly jobId: string
  readonly worker: string
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
  const recorded = opts.recordedMapping ?? (await mappingParams(opts.mappingFile, mapping.source.bundles))
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
    ...(opts.range ? { range: opts.range } : {}),
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
    const total = await countSourceNodes(conn, opts.sourceUrl, mapping, {
      ids: opts.ids ?? null,
      ...rangeBounds(opts.range),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    })
    emit({ kind: 'start', total })
    const counts = emptyCounts()
    // Before the run is recorded: a reports folder that cannot be made must not leave a run behind.
    const reportDir = await createReportDir(
      opts.reportsDir ?? 'reports',
      opts.dryRun ? 'migrate-dry-run' : 'migrate',
      startedAt,
    )
    run = writer
      ? await startRun(opts.targetUrl, mapping.site, opts.range ? 'migrate-range' : 'migrate', params)
      : null
    const runId = run?.id ?? null
    // A range writes its undo log and messages under its distributed run: `dhm rollback <that run>`
    // undoes every range (the first change of a row in a run keeps its state from before the run).
    const undoRunId = opts.range?.parentRunId ?? runId
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
    const batches = extractArticleNodes(conn, {
      mapping,
      layout,
      batchSize,
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      ...(opts.ids !== undefined ? { ids: opts.ids } : {}),
      ...rangeBounds(opts.range),
      sourceUrl: opts.sourceUrl,
    })
    const bulkLoad =
      writer && runId !== null && !opts.range && (opts.bulkLoad ?? process.env.DHM_BULK_LOAD !== '0')
        ? await startBulkLoad(writer.pool, runId)
        : null
    if (bulkLoad) {
      emit({
        kind: 'phase',
        message: `empty target: ${bulkLoad.length} indexes and foreign keys are built after the load`,
      })
    }
    const linkHosts = bodyLinkHosts(mapping)
    // Fingerprints (skip-unchanged.ts): settle unchanged nodes before the transform, store them with
    // each write, rewrite articles edited in the target. Not for a dry run (it writes nothing).
    const unchanged = writer ? fastPathFilter(writer.pool, mapping, opts.fastPath, counts) : null
    const sink: BatchSink<null, BatchResult> =
      writer === null
        ? { write: ({ outcomes }) => planBatch(planPool, mapping.site, outcomes) }
        : {
            write: ({ outcomes }) => {
              // The same plans again when the engine retries this batch (see plansFor).
              const plans = unchanged?.plansFor(outcomes)
              return inTransaction(writer.pool, opts.targetUrl, async (client) => {
                const loaded = await loadBatch(
                  client,
                  mapping.site,
                  undoRunId,
                  outcomes,
                  mapping.owned,
                  plans,
                )
                // Which nodes the bodies link to (for sync, see article-links.ts).
                if (linkHosts) await writeArticleLinks(client, mapping.site, outcomes, linkHosts)
                return loaded
              })
            },
            retry: { command: 'migrate', targetUrl: opts.targetUrl },
          }
    const { interrupted } = await runBatches({
      source: tagged(batches, () => null),
      mapping,
      ...(unchanged ? { beforeTransform: (nodes) => unchanged.beforeTransform(nodes) } : {}),
      sink: {
        ...sink,
        counted: (result) => result,
        after: async ({ outcomes }, result) => {
          await statistics?.afterBatch(result.inserted + result.updated)
          await appendRejects(reportDir, result.rejected)
          await plan?.addBatch(outcomes)
        },
      },
      counts,
      total,
      started,
      emit,
      ...(opts.signal ? { signal: opts.signal } : {}),
      command: 'migrate',
      sourceUrl: opts.sourceUrl,
      onFailure: async (error) => {
        if (writer && runId !== null) {
          // Best effort: what it cannot build now, the next run builds (finishDeadBulkLoads).
          if (bulkLoad) await finishBulkLoad(writer.pool, runId).catch(() => undefined)
          await finishRun(writer.pool, runId, 'failed', counts, { error: error.message })
        }
      },
    })
    if (writer && runId !== null && bulkLoad) {
      emit({ kind: 'phase', message: `building ${bulkLoad.length} indexes and foreign keys` })
      await finishBulkLoad(writer.pool, runId)
    }
    await statistics?.finish()
    // After every batch: references resolved through the id map, term tree, menus (issue #21). A
    // range leaves it to its distributed run, which does it once when every range is done (it reads
    // every term of the site: once per range would be once per 10,000 nodes).
    if (writer && !interrupted && !opts.range) {
      const relations = await finishRelations({
        conn,
        sourceUrl: opts.sourceUrl,
        pool: writer.pool,
        targetUrl: opts.targetUrl,
        mapping,
        runId: undoRunId,
      })
      // Only mappings with relation keys report them: others' summaries stay as they were.
      if (hasRelationKeys(mapping)) counts.relations = relations
    }
    const status = interrupted ? 'interrupted' : 'succeeded'
    const summary = toSummary(counts, (Date.now() - started) / 1000)
    if (writer && runId !== null) {
      // A whole migration is a full pass: the next sync starts from what this snapshot held (the
      // mark, publication_date checksums, side tables), not from a full pass of its own.
      const whole =
        status === 'succeeded' && opts.limit === undefined && opts.ids === undefined && !opts.range
      let highWaterMark: number | undefined
      if (whole) {
        const baseline = await readSyncBaseline(conn, mapping, layout, opts.sourceUrl, source.openedAt)
        const clock = await readSourceClock(conn, opts.sourceUrl)
        highWaterMark = Math.min(baseline.newestStamp ?? 0, clock)
        await addRunParams(writer.pool, runId, {
          publicationDateChecksums: baseline.checksums,
          sideState: baseline.side,
        })
      }
      await finishRun(
        writer.pool,
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
      const unfinished = await finishDeadBulkLoads(writer.pool)
      if (unfinished.length > 0) {
        emit({
          kind: 'phase',
          message: `built the indexes and foreign keys the bulk load of run(s) ${unfinished.join(', ')} left unbuilt`,
        })
      }
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

/** A range's bounds as extract options (none for a whole run). */
function rangeBounds(range: MigrateRange | undefined): { afterNid?: number; throughNid?: number } {
  if (!range) return {}
  return range.throughNid === null
    ? { afterNid: range.afterNid }
    : { afterNid: range.afterNid, throughNid: range.throughNid }
}

async function tableExists(pool: pg.Pool, table: string): Promise<boolean> {
  const { rows } = await pool.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    table,
  ])
  return rows[0]?.exists ?? false
}
