import type pg from 'pg'
import { redactUrl } from '../config/redact.js'
import { undoRetentionDays } from '../config/undo-retention.js'
import { TargetError } from '../errors.js'
import { DEFAULT_BATCH_SIZE } from '../extract/extract-nodes.js'
import { explainSourceLoss, isSourceConnectionLost } from '../extract/source-loss.js'
import { openSourceSession } from '../extract/source-session.js'
import { applyDeletePolicy, DEFAULT_DELETE_POLICY, type DeletePolicy } from '../load/apply-deletions.js'
import { writeArticleLinks } from '../load/article-links.js'
import { finishDeadBulkLoads } from '../load/bulk-load.js'
import { type BatchResult, loadBatch } from '../load/load-batch.js'
import { pruneRunChanges } from '../load/run-changes.js'
import {
  finishRun,
  mappingParams,
  markDeadRuns,
  type RunHandle,
  type RunMapping,
  startRun,
} from '../load/run-log.js'
import { applyTargetMigrations } from '../load/schema-migrations.js'
import { acquireSyncLock, type SyncLock } from '../load/sync-lock.js'
import { explainTargetError, openTarget } from '../load/target-db.js'
import { TargetStatistics } from '../load/target-statistics.js'
import { inTransaction } from '../load/transaction.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { appendRejects, createReportDir, type RunSummary, writeRunReport } from '../report/run-report.js'
import { emptyCounts, type RunCounts } from '../report/run-stats.js'
import { stopwatch } from '../stopwatch.js'
import { applyDeletions, type DeletionResult } from './deletion-scan.js'
import { type BatchSink, countsAfter, runBatches } from './engine.js'
import type { ActiveRun, RunListener } from './events.js'
import { finishRelations, hasRelationKeys } from './finish-relations.js'
import { retryTargetBatch } from './retry.js'
import { bodyLinkHosts, CHANGE_KINDS, type ChangeCounts, emptyChangeCounts } from './side-changes.js'
import { fastPathFilter } from './skip-unchanged.js'
import { findSyncCandidates } from './sync-candidates.js'
import { DEFAULT_RESCAN_SECONDS, type ScanPlan, type ScanSummary, summarizeScans } from './sync-scans.js'
import { decideSyncMode, deletionScanDistrust, type FullPassState, recordProgress } from './sync-state.js'

/** Seconds subtracted from the high-water mark: edits saved (changed = T) but committed later are not missed. */
export const DEFAULT_OVERLAP_SECONDS = 300

export interface SyncOptions {
  readonly mapping: CompiledMapping
  readonly mappingFile: string
  readonly sourceUrl: string
  readonly targetUrl: string
  readonly batchSize?: number
  /** Read every node (and apply deletions), ignoring the high-water mark. */
  readonly full?: boolean
  /** false (`--no-fast-path`): transform every node read, even those its fingerprints settle. */
  readonly fastPath?: boolean
  readonly onDelete?: DeletePolicy
  readonly overlapSeconds?: number
  /**
   * Seconds after which a scan runs even though its tables say they did not change
   * (DEFAULT_RESCAN_SECONDS; 0: every scan, every sync). See sync-scans.ts.
   */
  readonly rescanAfterSeconds?: number
  readonly reportsDir?: string
  readonly onEvent?: RunListener
  /** Abort = stop after the current batch commits (SIGINT/SIGTERM); the run is marked interrupted. */
  readonly signal?: AbortSignal
  /** Told once the run is recorded in migration_run. */
  readonly onRunStarted?: (run: ActiveRun) => void
  /**
   * The site's sync lock, already held by the caller (the catch-up pass of a distributed migrate,
   * which holds it for the whole run); not released by this run.
   */
  readonly heldLock?: SyncLock
}

export interface SyncCounts extends RunCounts {
  /** Target rows the delete policy changed (nodes gone from the source). */
  deleted: number
  /** Filtered nodes whose target row the policy changed (included in `filtered`). */
  filteredRemoved: number
  /** Candidate nodes per kind of change that brought them in (a full sync: every node under `node`). */
  changes: ChangeCounts
}

/**
 * `dhm sync --json`: the keys of `migrate --json` plus `deleted` and `changes` (built in that order,
 * before `seconds`).
 */
export interface SyncSummary extends RunSummary {
  readonly deleted: number
  readonly changes: ChangeCounts
  /** Which scans ran, and which were skipped because their tables did not change (sync-scans.ts). */
  readonly scans: ScanSummary
}

export interface SyncResult {
  readonly status: 'succeeded' | 'interrupted'
  readonly mode: 'incremental' | 'full'
  /** Why the run read everything (first sync, --full, mapping changed); null for incremental. */
  readonly fullReason: string | null
  readonly summary: SyncSummary
  readonly counts: SyncCounts
  readonly runId: number
  readonly previousMark: number | null
  readonly highWaterMark: number | null
  readonly candidates: number
  /** reports/<run>-sync: written when the run wrote, retired or rejected rows; null otherwise. */
  readonly reportDir: string | null
  /** Seconds per phase: finding candidates, reading + writing them, the deletion scan. */
  readonly seconds: { readonly detect: number; readonly load: number; readonly deletions: number }
  /** What the deletion scan compared; null when the run stopped before it or skipped it (node unchanged). */
  readonly deletions: DeletionResult | null
  /** Each scan's decision and reason (null when the run failed before deciding). */
  readonly scans: ScanPlan | null
  /**
   * An interrupted full sync: the nid up to which its pass is committed (the next sync resumes after
   * it); null when it committed none of the pass (the next sync starts it again) or was not full.
   */
  readonly fullPassAfterNid: number | null
}

/**
 * `dhm sync`: bring the target up to date with what changed in the source since the last sync,
 * then apply the delete policy to articles whose node is gone. Cost follows the amount of change:
 * candidates come from indexed timestamps (see findChangedNodes), unchanged rows are skipped by
 * content hash, and the deletion scan compares sums of nids per range on both sides and reads the
 * nids of differing ranges only (a full sync compares every nid; see applyDeletions).
 *
 * Safety: one sync per target and site (advisory lock, taken before the source snapshot opens so a
 * waiting run can never write older data than the run before it); the new high-water mark is
 * written in the transaction of the last batch it covers, so a run killed at any point leaves
 * either the old mark (and the next run redoes the window, idempotently) or the new one with
 * every batch before it committed.
 */
export async function runSync(opts: SyncOptions): Promise<SyncResult> {
  const started = Date.now()
  const emit = opts.onEvent ?? (() => undefined)
  const { mapping } = opts
  const site = mapping.site
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE
  const policy = opts.onDelete ?? DEFAULT_DELETE_POLICY
  const overlap = opts.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS
  // Mappings that rewrite body links keep article_link with the articles (see article-links.ts).
  const linkHosts = bodyLinkHosts(mapping)
  const recorded = await mappingParams(opts.mappingFile, mapping.source.bundles)
  const { mappingHash } = recorded
  const current: RunMapping = { file: recorded.mapping, hash: mappingHash, bundles: recorded.bundles }
  const params = {
    mapping: recorded.mapping,
    source: redactUrl(opts.sourceUrl),
    target: redactUrl(opts.targetUrl),
    batchSize,
    full: opts.full ?? false,
    onDelete: policy,
    overlap,
    mappingHash,
    bundles: recorded.bundles,
  }

  const target = await openTarget(opts.targetUrl, { create: true })
  let lock: Awaited<ReturnType<typeof acquireSyncLock>> | null = null
  let source: Awaited<ReturnType<typeof openSourceSession>> | null = null
  let run: RunHandle | null = null
  try {
    lock = opts.heldLock ?? (await acquireSyncLock(opts.targetUrl, site))
    const applied = await applyTargetMigrations(target.pool, opts.targetUrl)
    if (applied.length > 0) {
      emit({
        kind: 'phase',
        message: `applied ${applied.length} schema migration(s): ${applied.join(', ')}`,
      })
    }
    const statistics = await TargetStatistics.open(target.pool)
    await markDeadRuns(target.pool)
    // A migrate killed during its bulk load left indexes unbuilt: built before the first write.
    await finishDeadBulkLoads(target.pool)
    await pruneRunChanges(target.pool, undoRetentionDays())

    // The snapshot opens only now, under the lock.
    emit({ kind: 'phase', message: `reading the source schema (${redactUrl(opts.sourceUrl)})` })
    source = await openSourceSession(opts.sourceUrl, mapping)
    const { conn, layout } = source

    const { previous, resume, fullReason } = await decideSyncMode(target.pool, {
      site,
      full: opts.full ?? false,
      mapping,
      layout,
      current,
    })
    run = await startRun(opts.targetUrl, site, 'sync', {
      ...params,
      mode: fullReason ? 'full' : 'incremental',
      // Until its first batch commits, this run stands where the pass it resumes stopped.
      ...(resume ? { fullPass: resume } : {}),
    })
    const runId = run.id
    // Its counts are committed with each batch: recording the interruption leaves them as they are.
    const active = run
    opts.onRunStarted?.({ id: runId, recordInterrupted: () => active.recordInterrupted() })
    const counts: SyncCounts = {
      ...emptyCounts(),
      deleted: 0,
      filteredRemoved: 0,
      changes: emptyChangeCounts(),
    }
    const unchanged = fastPathFilter(target.pool, mapping, opts.fastPath, counts)
    let reportDir: string | null = null
    let highWaterMark: number | null = null
    let candidates = 0
    let interrupted = false
    let markWritten = false
    let fullPass: FullPassState | null = resume
    const seconds = { detect: 0, load: 0, deletions: 0 }
    let deletionScan: DeletionResult | null = null
    let scans: ScanPlan | null = null
    const lap = stopwatch()
    const tgt = target
    const held = lock
    // A batch whose connection dropped is retried, but only while this run still holds the lock:
    // without it another sync may have started, and two must never write at once.
    const inBatchTransaction = <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
      assertLockHeld(held, opts.targetUrl)
      return inTransaction(tgt.pool, opts.targetUrl, fn)
    }
    try {
      const plan = await findSyncCandidates({
        conn,
        layout,
        pool: tgt.pool,
        mapping,
        batchSize,
        sourceUrl: opts.sourceUrl,
        overlap,
        emit,
        previous,
        resume,
        fullReason,
        tally: counts.changes,
        openedAt: source.openedAt,
        rescanAfter: opts.rescanAfterSeconds ?? DEFAULT_RESCAN_SECONDS,
        deletionsDistrust: deletionScanDistrust(previous, policy),
      })
      const { checksums, side } = plan
      scans = plan.scans
      highWaterMark = plan.highWaterMark
      candidates = plan.candidates
      seconds.detect = lap()
      emit({ kind: 'start', total: candidates })

      const mark = { highWaterMark, checksums, side }
      const sink: BatchSink<FullPassState | null, { loaded: BatchResult; removed: number }> = {
        write: (batch) => {
          // The same plans again when the engine retries this batch (see plansFor).
          const plans = unchanged.plansFor(batch.outcomes)
          return inBatchTransaction(async (client) => {
            const { outcomes, tag: passAfter } = batch
            // Redirects (the articles' old URLs) are written by loadBatch with the articles they belong to.
            const loaded = await loadBatch(client, site, runId, outcomes, mapping.owned, plans)
            if (linkHosts) await writeArticleLinks(client, site, outcomes, linkHosts)
            const filteredNids = outcomes.flatMap((o) => (o.kind === 'filtered' ? [o.ref.nid] : []))
            const removed = await applyDeletePolicy(client, site, filteredNids, policy)
            const next = countsAfter(counts, batch, loaded)
            next.filteredRemoved += removed
            // The mark (and the checksums it goes with) commit with the last batch they cover; a full
            // pass's progress with each batch.
            await recordProgress(client, runId, next, batch.isLast ? mark : null, passAfter)
            return { loaded, removed }
          })
        },
        retry: { command: 'sync', targetUrl: opts.targetUrl },
        counted: (result) => result.loaded,
        after: async (batch, result) => {
          await statistics.afterBatch(result.loaded.inserted + result.loaded.updated)
          counts.filteredRemoved += result.removed
          if (batch.isLast) markWritten = true
          if (batch.tag) fullPass = batch.tag
          if (result.loaded.rejected.length > 0) {
            reportDir ??= await createReportDir(opts.reportsDir ?? 'reports', 'sync', new Date(started))
            await appendRejects(reportDir, result.loaded.rejected)
          }
        },
      }
      ;({ interrupted } = await runBatches({
        source: plan.source,
        mapping,
        beforeTransform: (nodes) => unchanged.beforeTransform(nodes),
        sink,
        counts,
        total: candidates,
        started,
        emit,
        ...(opts.signal ? { signal: opts.signal } : {}),
        lookAhead: true,
        sourceUrl: opts.sourceUrl,
      }))
      if (!interrupted && !markWritten) {
        await retryTargetBatch(
          () => inBatchTransaction((client) => recordProgress(client, runId, counts, mark, null)),
          { command: 'sync', targetUrl: opts.targetUrl, emit },
        )
        markWritten = true
      }

      seconds.load = lap()

      if (!interrupted && scans.skip.has('deletions')) {
        // node did not change since the previous sync, which ran its deletion scan: nothing was deleted.
        emit({ kind: 'phase', message: 'deletion scan skipped: node unchanged since the last sync' })
      } else if (!interrupted) {
        emit({ kind: 'phase', message: `looking for deleted nodes (policy ${policy})` })
        const deletions = await applyDeletions(conn, tgt.pool, {
          mapping,
          policy,
          // A full sync compares every nid; an incremental one only the nid ranges whose sums differ.
          exhaustive: fullReason !== null,
          sourceUrl: opts.sourceUrl,
          runId,
          ...(opts.signal ? { signal: opts.signal } : {}),
        }).catch((error: unknown) => {
          throw error instanceof TargetError || !(error as { code?: string }).code
            ? error
            : explainTargetError(error, opts.targetUrl)
        })
        counts.deleted = deletions.deleted
        deletionScan = deletions
        seconds.deletions = lap()
        emit({
          kind: 'phase',
          message:
            `deletion scan: ${deletions.differingRanges} of ${deletions.ranges} nid range(s) differ, ` +
            `${deletions.differingLeaves} sub-range(s), ${deletions.scanned} nid(s) compared, ` +
            `${deletions.deleted} changed (${seconds.deletions.toFixed(2)}s)`,
        })
        interrupted = opts.signal?.aborted ?? false
      }
      if (!interrupted) {
        // References resolved again (targets deleted or arrived), term tree, menus (issue #21).
        const relations = await finishRelations({
          conn,
          sourceUrl: opts.sourceUrl,
          pool: tgt.pool,
          targetUrl: opts.targetUrl,
          mapping,
          runId,
        })
        // Only mappings with relation keys report them: others' summaries stay as they were.
        if (hasRelationKeys(mapping)) counts.relations = relations
      }
    } catch (caught) {
      const error = isSourceConnectionLost(caught)
        ? explainSourceLoss(caught, opts.sourceUrl, 'sync')
        : caught
      await finishRun(tgt.pool, runId, 'failed', counts, { error: (error as Error).message }).catch(
        () => undefined,
      )
      throw error
    }
    await statistics.finish()
    const status = interrupted ? 'interrupted' : 'succeeded'
    await finishRun(tgt.pool, runId, status, counts, interrupted ? {} : { highWaterMark })
    const summary = toSyncSummary(counts, summarizeScans(scans), (Date.now() - started) / 1000)
    // A report only for a run that wrote or rejected something: a cron sync every few minutes that
    // found nothing leaves no folder behind (its counts are in migration_run, see dhm status).
    const wrote = counts.inserted + counts.updated + counts.deleted + counts.filteredRemoved + counts.rejected
    if (wrote > 0) {
      reportDir ??= await createReportDir(opts.reportsDir ?? 'reports', 'sync', new Date(started))
      await writeRunReport(reportDir, {
        command: 'sync',
        site,
        runId,
        startedAt: new Date(started),
        status,
        summary,
        counts,
        params: { ...params, mode: fullReason ? 'full' : 'incremental', fullReason },
      })
    }
    return {
      status,
      mode: fullReason ? 'full' : 'incremental',
      fullReason,
      summary,
      counts,
      runId,
      previousMark: previous?.mark ?? null,
      // The mark this run committed; an interrupted run that did not reach it leaves the previous one.
      highWaterMark: markWritten ? highWaterMark : (previous?.mark ?? null),
      candidates,
      reportDir,
      seconds,
      deletions: deletionScan,
      scans,
      fullPassAfterNid: fullReason && status === 'interrupted' ? (fullPass?.afterNid ?? null) : null,
    }
  } finally {
    await source?.close()
    await run?.release()
    if (!opts.heldLock) await lock?.release()
    await target.close()
  }
}

export function toSyncSummary(c: SyncCounts, scans: ScanSummary, seconds: number): SyncSummary {
  return {
    read: c.read,
    inserted: c.inserted,
    updated: c.updated,
    unchanged: c.unchanged,
    rejected: c.rejected,
    filtered: c.filtered,
    deleted: c.deleted,
    changes: { ...c.changes },
    scans,
    seconds: Math.round(seconds * 100) / 100,
  }
}

export function renderSyncLine(s: SyncSummary): string {
  return (
    `read ${s.read}, inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, ` +
    `rejected ${s.rejected}, filtered ${s.filtered}, deleted ${s.deleted} in ${s.seconds.toFixed(1)}s`
  )
}

/** `node 40, term 484, alias 4`: the kinds of change that brought candidates in (non-zero ones), or `none`. */
export function renderChangeKinds(changes: ChangeCounts): string {
  const parts = CHANGE_KINDS.filter((k) => changes[k] > 0).map((k) => `${k} ${changes[k]}`)
  return parts.length > 0 ? parts.join(', ') : 'none'
}

function assertLockHeld(lock: SyncLock, url: string): void {
  if (lock.isHeld()) return
  throw new TargetError(
    `lost the sync lock on the target Postgres at ${redactUrl(url)} (its connection closed); stopping so ` +
      'that two syncs never write at once. Rerun dhm sync to resume: committed batches are kept.',
  )
}
