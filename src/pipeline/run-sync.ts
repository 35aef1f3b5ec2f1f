import { setTimeout as sleep } from 'node:timers/promises'
import type pg from 'pg'
import { redactUrl } from '../config/redact.js'
import { undoRetentionDays } from '../config/undo-retention.js'
import { TargetError } from '../errors.js'
import { type BucketChecksums, findChangedNodes, readSourceClock } from '../extract/changed-nodes.js'
import type { D7NodeBundle } from '../extract/d7-types.js'
import { extractArticleNodes, withTranslationSources } from '../extract/extract-article-nodes.js'
import { DEFAULT_BATCH_SIZE, type ExtractOptions } from '../extract/extract-nodes.js'
import { countBundleNodes } from '../extract/source-db.js'
import { explainSourceLoss, isSourceConnectionLost } from '../extract/source-loss.js'
import { openSourceSession } from '../extract/source-session.js'
import {
  applyDeletePolicy,
  applyDeletions,
  DEFAULT_DELETE_POLICY,
  type DeletePolicy,
  type DeletionResult,
} from '../load/apply-deletions.js'
import { loadBatch } from '../load/load-batch.js'
import { pruneRunChanges } from '../load/run-changes.js'
import {
  finishRun,
  isAnotherMapping,
  mappingParams,
  markDeadRuns,
  RUN_MAPPING_COLUMNS,
  type RunHandle,
  type RunMapping,
  type RunMappingColumns,
  runMappingOf,
  startRun,
} from '../load/run-log.js'
import { applyTargetMigrations } from '../load/schema-migrations.js'
import { acquireSyncLock, type SyncLock } from '../load/sync-lock.js'
import { explainTargetError, openTarget } from '../load/target-db.js'
import { TargetStatistics } from '../load/target-statistics.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { appendRejects, createReportDir, type RunSummary, writeRunReport } from '../report/run-report.js'
import { addBatch, addContentCounts, emptyCounts, type RunCounts } from '../report/run-stats.js'
import { stopwatch } from '../stopwatch.js'
import { countStrayLanguageRows, type RowOutcome } from '../transform/outcome.js'
import type { ActiveRun, RunListener } from './events.js'
import { prefetch } from './prefetch.js'
import { retryTargetBatch } from './retry.js'
import { inTransaction } from './run-migration.js'
import {
  CHANGE_KINDS,
  type ChangeCounts,
  emptyChangeCounts,
  findSideChanges,
  type SideKind,
  type SideState,
  unrecordedSideTables,
} from './side-changes.js'
import { fastPathFilter, transformBatch, type UnchangedFilter } from './skip-unchanged.js'
import { readSyncBaseline } from './sync-baseline.js'

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
  readonly reportsDir?: string
  readonly onEvent?: RunListener
  /** Abort = stop after the current batch commits (SIGINT/SIGTERM); the run is marked interrupted. */
  readonly signal?: AbortSignal
  /** Told once the run is recorded in migration_run. */
  readonly onRunStarted?: (run: ActiveRun) => void
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
  /** What the deletion scan compared; null when the run stopped before it. */
  readonly deletions: DeletionResult | null
  /**
   * An interrupted full sync: the nid up to which its pass is committed (the next sync resumes after
   * it); null when it committed none of the pass (the next sync starts it again) or was not full.
   */
  readonly fullPassAfterNid: number | null
}

/**
 * A full pass's progress, committed with each of its batches (migration_run.params.fullPass):
 * every node up to `afterNid` is synced as of source stamp `mark`, with these publication_date
 * checksums. An interrupted pass is resumed from it by the next sync.
 */
interface FullPassState {
  readonly afterNid: number
  readonly mark: number
  readonly checksums: BucketChecksums | null
  /** The side tables' state the pass started from (absent in passes recorded before it was kept). */
  readonly side?: SideState | null
}

/**
 * A batch of a sync, transformed, and the full pass's progress once it commits (null: not part of a
 * pass). The source rows are not kept: the transform runs where the batch is read, ahead of the
 * writer (see tagBatches).
 */
interface SyncBatch {
  readonly read: number
  readonly outcomes: readonly RowOutcome[]
  readonly fullPass: FullPassState | null
}

/** The run the next sync starts from: the newest sync, or whole migrate, that recorded a mark. */
interface PreviousSync {
  readonly runId: number
  readonly command: 'sync' | 'migrate'
  readonly mark: number
  readonly checksums: BucketChecksums | null
  /** The side tables as that sync saw them (null: a run from before they were recorded). */
  readonly side: SideState | null
  /** The mapping that sync ran with (bundles: null for runs before they were recorded). */
  readonly mapping: RunMapping
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
    lock = await acquireSyncLock(opts.targetUrl, site)
    const applied = await applyTargetMigrations(target.pool, opts.targetUrl)
    if (applied.length > 0) {
      emit({
        kind: 'phase',
        message: `applied ${applied.length} schema migration(s): ${applied.join(', ')}`,
      })
    }
    const statistics = await TargetStatistics.open(target.pool)
    await markDeadRuns(target.pool)
    await pruneRunChanges(target.pool, undoRetentionDays())

    // The snapshot opens only now, under the lock.
    emit({ kind: 'phase', message: `reading the source schema (${redactUrl(opts.sourceUrl)})` })
    source = await openSourceSession(opts.sourceUrl, mapping)
    const { conn, layout } = source

    const previous = await readPreviousSync(target.pool, site)
    // A full pass that did not finish is finished first: after the nodes it covered (re-read where
    // they changed since), from where it stopped. With another mapping it starts over.
    // A whole migrate after the unfinished pass covered every node since: nothing to finish.
    const found = opts.full ? null : await readUnfinishedFullPass(target.pool, site)
    const unfinished = found && (previous === null || previous.runId < found.runId) ? found : null
    // A pass recorded before the side tables' state was kept cannot tell what changed there before it.
    const resume =
      unfinished?.mappingHash === mappingHash &&
      unrecordedSideTables(unfinished.state?.side ?? null, mapping, layout).length === 0
        ? unfinished.state
        : null
    const unrecorded = previous ? unrecordedSideTables(previous.side, mapping, layout) : []
    const fullReason = opts.full
      ? '--full'
      : unfinished && resume
        ? `resuming the full sync of run ${unfinished.runId} after nid ${resume.afterNid}`
        : unfinished
          ? `the full sync of run ${unfinished.runId} did not finish`
          : previous === null
            ? 'first sync of this site on this target'
            : previous.mapping.hash !== mappingHash
              ? describeMappingChange(previous, current, site)
              : unrecorded.length > 0
                ? `the last ${previous.command} (run ${previous.runId}) recorded no state of ${unrecorded.join(', ')} ` +
                  '(a dhm from before side-table syncing): reading everything once, so that no edit made there before ' +
                  'this sync is missed'
                : null
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
    const lap = stopwatch()
    const tgt = target
    const held = lock
    // A batch whose connection dropped is retried, but only while this run still holds the lock:
    // without it another sync may have started, and two must never write at once.
    const writeBatch = <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> =>
      retryTargetBatch(
        () => {
          assertLockHeld(held, opts.targetUrl)
          return inTransaction(tgt.pool, opts.targetUrl, fn)
        },
        { command: 'sync', targetUrl: opts.targetUrl, emit },
      )
    try {
      let batches: AsyncIterable<SyncBatch>
      let checksums: BucketChecksums | null
      let side: SideState | null
      const extractOpts: ExtractOptions = { mapping, layout, batchSize, sourceUrl: opts.sourceUrl }
      // What changed since `since` (publication_date by checksums against `previousChecksums`), the
      // nodes side-table edits affect (against `previousSide`; see findSideChanges), with the
      // translation sources of changed translations: what an incremental sync reads.
      const changedSince = async (
        since: number,
        previousChecksums: BucketChecksums | null,
        previousSide: SideState | null,
      ) => {
        const changes = await findChangedNodes(conn, {
          mapping,
          layout,
          since,
          previousChecksums,
          sourceUrl: opts.sourceUrl,
        })
        const sideChanges = await findSideChanges(conn, tgt.pool, {
          mapping,
          layout,
          since,
          previous: previousSide,
          sourceUrl: opts.sourceUrl,
        })
        const all = new Set(changes.nids)
        counts.changes.node += changes.nids.length
        for (const [kind, nids] of Object.entries(sideChanges.byKind) as [SideKind, ReadonlySet<number>][]) {
          counts.changes[kind] += nids.size
          for (const nid of nids) all.add(nid)
        }
        const newestStamp =
          sideChanges.newestStamp === null
            ? changes.newestStamp
            : Math.max(changes.newestStamp ?? 0, sideChanges.newestStamp)
        const detected = [...all].sort((a, b) => a - b)
        return {
          changes,
          sideChanges,
          newestStamp,
          nids: await withTranslationSources(conn, extractOpts, detected),
        }
      }
      // Marks are capped at the source's clock (see readSourceClock), also one a run stored before.
      const sourceNow = await readSourceClock(conn, opts.sourceUrl)
      let futureNoted = false
      const capped = (stamp: number) => {
        if (stamp > sourceNow && !futureNoted) {
          futureNoted = true
          emit({
            kind: 'phase',
            message:
              `a node.changed or workflow stamp is in the future (${new Date(stamp * 1000).toISOString()}, ` +
              `the source's clock says ${new Date(sourceNow * 1000).toISOString()}): the high-water mark stays ` +
              'at the clock, so such nodes are re-read by every sync and no edit made meanwhile is missed',
          })
        }
        return Math.min(stamp, sourceNow)
      }
      if (resume) {
        // Nodes up to resume.afterNid were synced as of resume.mark: re-read those changed since
        // (as an incremental sync would), then every node after it (as a full sync does).
        const since = capped(resume.mark) - overlap
        const { changes, sideChanges, newestStamp, nids } = await changedSince(
          since,
          resume.checksums,
          resume.side ?? null,
        )
        const mark = capped(Math.max(previous?.mark ?? 0, resume.mark, newestStamp ?? 0))
        highWaterMark = mark
        checksums = changes.checksums
        side = sideChanges.state
        const passChecksums = checksums
        const passSide = side
        const redo = nids.filter((nid) => nid <= resume.afterNid)
        const rest = await countBundleNodes(conn, opts.sourceUrl, mapping.source.bundles, {
          afterNid: resume.afterNid,
        })
        candidates = redo.length + rest
        counts.changes.node += rest
        emit({
          kind: 'phase',
          message:
            `full sync (${fullReason}): ${redo.length} node(s) up to nid ${resume.afterNid} changed since ` +
            `${new Date(since * 1000).toISOString()}, then ${rest} node(s) after it`,
        })
        batches = concatBatches(
          tagBatches(
            extractArticleNodes(conn, { ...extractOpts, ids: redo }),
            mapping,
            unchanged,
            () => null,
          ),
          tagBatches(
            extractArticleNodes(conn, { ...extractOpts, afterNid: resume.afterNid }),
            mapping,
            unchanged,
            (nodes) => fullPassAfter(nodes, mark, passChecksums, passSide),
          ),
        )
      } else if (fullReason || previous === null) {
        emit({ kind: 'phase', message: `full sync (${fullReason}): reading every node` })
        const baseline = await readSyncBaseline(conn, mapping, layout, opts.sourceUrl)
        const mark = capped(Math.max(previous?.mark ?? 0, baseline.newestStamp ?? 0))
        highWaterMark = mark
        checksums = baseline.checksums
        side = baseline.side
        const passChecksums = checksums
        const passSide = side
        candidates = await countBundleNodes(conn, opts.sourceUrl, mapping.source.bundles)
        counts.changes.node = candidates
        batches = tagBatches(extractArticleNodes(conn, extractOpts), mapping, unchanged, (nodes) =>
          fullPassAfter(nodes, mark, passChecksums, passSide),
        )
      } else {
        const since = capped(previous.mark) - overlap
        const { changes, sideChanges, newestStamp, nids } = await changedSince(
          since,
          previous.checksums,
          previous.side,
        )
        highWaterMark = capped(Math.max(previous.mark, newestStamp ?? 0))
        checksums = changes.checksums
        side = sideChanges.state
        candidates = nids.length
        const { signals } = changes
        const took = changes.seconds
        const sideTook = sideChanges.seconds
        emit({
          kind: 'phase',
          message:
            `${candidates} candidate node(s) since ${new Date(since * 1000).toISOString()} ` +
            `(mark ${Math.min(previous.mark, sourceNow)} - ${overlap}s overlap): node.changed ${signals.changed} ` +
            `(${took.changed.toFixed(2)}s), workflow ${signals.workflow} (${took.workflow.toFixed(2)}s), ` +
            `publication_date buckets ${signals.publicationDate} (${took.publicationDate.toFixed(2)}s); ` +
            `side tables: ${CHANGE_KINDS.filter((k) => k !== 'node')
              .map((k) => `${k} ${counts.changes[k]} (${sideTook[k].toFixed(2)}s)`)
              .join(', ')}`,
        })
        batches = tagBatches(
          extractArticleNodes(conn, { ...extractOpts, ids: nids }),
          mapping,
          unchanged,
          () => null,
        )
      }
      seconds.detect = lap()
      emit({ kind: 'start', total: candidates })

      // Test-only hook: a pause after each committed batch, so tests can kill or overlap a run.
      const delayMs = Number(process.env.DHM_TEST_BATCH_DELAY_MS ?? 0)
      for await (const { value, isLast } of prefetch(withLast(batches))) {
        const { read, outcomes, fullPass: passAfter } = value
        const filteredNids = outcomes.flatMap((o) => (o.kind === 'filtered' ? [o.ref.nid] : []))
        const plans = unchanged.plansFor(outcomes)
        const result = await writeBatch(async (client) => {
          // Redirects (the articles' old URLs) are written by loadBatch with the articles they belong to.
          const loaded = await loadBatch(client, site, runId, outcomes, mapping.owned, plans)
          const removed = await applyDeletePolicy(client, site, filteredNids, policy)
          const next = { ...counts }
          addBatch(next, read, loaded, strayRows(outcomes))
          next.filteredRemoved += removed
          // The mark (and the checksums it goes with) commit with the last batch they cover; a full
          // pass's progress with each batch.
          await recordProgress(
            client,
            runId,
            next,
            isLast ? { highWaterMark, checksums, side } : null,
            passAfter,
          )
          return { loaded, removed }
        })
        addBatch(counts, read, result.loaded, strayRows(outcomes))
        await statistics.afterBatch(result.loaded.inserted + result.loaded.updated)
        addContentCounts(counts, outcomes)
        counts.filteredRemoved += result.removed
        if (isLast) markWritten = true
        if (passAfter) fullPass = passAfter
        if (result.loaded.rejected.length > 0) {
          reportDir ??= await createReportDir(opts.reportsDir ?? 'reports', 'sync', new Date(started))
          await appendRejects(reportDir, result.loaded.rejected)
        }
        emit({ kind: 'progress', counts: { ...counts }, total: candidates, elapsedMs: Date.now() - started })
        if (delayMs > 0) await sleep(delayMs)
        if (opts.signal?.aborted) {
          interrupted = true
          break
        }
      }
      if (!interrupted && !markWritten) {
        await writeBatch((client) =>
          recordProgress(client, runId, counts, { highWaterMark, checksums, side }, null),
        )
        markWritten = true
      }

      seconds.load = lap()

      if (!interrupted) {
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
    } catch (caught) {
      const error = isSourceConnectionLost(caught)
        ? explainSourceLoss(caught, opts.sourceUrl, 'sync')
        : caught
      await finishRun(tgt.prisma, runId, 'failed', counts, { error: (error as Error).message }).catch(
        () => undefined,
      )
      throw error
    }
    await statistics.finish()
    const status = interrupted ? 'interrupted' : 'succeeded'
    await finishRun(tgt.prisma, runId, status, counts, interrupted ? {} : { highWaterMark })
    const summary = toSyncSummary(counts, (Date.now() - started) / 1000)
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
      fullPassAfterNid: fullReason && status === 'interrupted' ? (fullPass?.afterNid ?? null) : null,
    }
  } finally {
    await source?.close()
    await run?.release()
    await lock?.release()
    await target.close()
  }
}

export function toSyncSummary(c: SyncCounts, seconds: number): SyncSummary {
  return {
    read: c.read,
    inserted: c.inserted,
    updated: c.updated,
    unchanged: c.unchanged,
    rejected: c.rejected,
    filtered: c.filtered,
    deleted: c.deleted,
    changes: { ...c.changes },
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

/**
 * The state the next sync starts from: the newest sync, or whole migrate, of this site that wrote a
 * mark. A mark is only ever written with (or, by a migrate, after) the last batch it covers, so any
 * run holding one (even one killed right after that commit, still "running" or "interrupted")
 * covered everything below it.
 */
async function readPreviousSync(pool: pg.Pool, site: string): Promise<PreviousSync | null> {
  const { rows } = await pool.query<
    RunMappingColumns & {
      id: number
      command: 'sync' | 'migrate'
      high_water_mark: number
      checksums: BucketChecksums | null
      side: SideState | null
    }
  >(
    `SELECT id, command, high_water_mark, params->'publicationDateChecksums' AS checksums,
       params->'sideState' AS side, ${RUN_MAPPING_COLUMNS}
     FROM migration_run
     WHERE site = $1 AND command IN ('sync', 'migrate') AND high_water_mark IS NOT NULL
     ORDER BY id DESC LIMIT 1`,
    [site],
  )
  const row = rows[0]
  if (!row) return null
  return {
    runId: row.id,
    command: row.command,
    mark: row.high_water_mark,
    checksums: row.checksums,
    side: row.side,
    mapping: runMappingOf(row),
  }
}

/**
 * Why a sync whose mapping hash differs from the previous one reads everything. The same file
 * edited is a changed mapping. Another file (isAnotherMapping) may be a deliberate switch, or a
 * second mapping sharing the site: then every sync of either is a full one (the mark is per
 * site), which the user should hear about.
 */
function describeMappingChange(previous: PreviousSync, current: RunMapping, site: string): string {
  const list = (b: readonly string[]) => [...b].sort().join(', ')
  const before = previous.mapping.bundles ? list(previous.mapping.bundles) : null
  const now = list(current.bundles ?? [])
  if (!isAnotherMapping(previous.mapping, current)) {
    return before === null || before === now
      ? `the mapping file changed since the last ${previous.command}`
      : `the mapping file changed since the last ${previous.command} (it read bundles ${before}, now ${now})`
  }
  const read = (bundles: string | null) => (bundles === null ? '' : `, bundles ${bundles}`)
  return (
    `the last ${previous.command} of site ${site} ran another mapping file (${previous.mapping.file}${read(before)}) ` +
    `than this one (${current.file}${read(now)}); if both stay in use, syncs of mappings that share a site ` +
    `make each other read everything (the high-water mark is per site): give each mapping its own site`
  )
}

async function recordProgress(
  client: pg.ClientBase,
  runId: number,
  counts: SyncCounts,
  mark: {
    highWaterMark: number | null
    checksums: BucketChecksums | null
    side: SideState | null
  } | null,
  fullPass: FullPassState | null,
): Promise<void> {
  await client.query(
    `UPDATE migration_run SET counts = $2::jsonb,
       high_water_mark = CASE WHEN $3::boolean THEN $4::int ELSE high_water_mark END,
       params = params
         || CASE WHEN $3::boolean THEN jsonb_build_object('publicationDateChecksums', $5::jsonb,
              'sideState', $7::jsonb) ELSE '{}' END
         || CASE WHEN $6::jsonb IS NULL THEN '{}' ELSE jsonb_build_object('fullPass', $6::jsonb) END
     WHERE id = $1`,
    [
      runId,
      JSON.stringify(counts),
      mark !== null,
      mark?.highWaterMark ?? null,
      JSON.stringify(mark?.checksums ?? null),
      fullPass ? JSON.stringify(fullPass) : null,
      JSON.stringify(mark?.side ?? null),
    ],
  )
}

/**
 * The newest full sync of the site, when it did not succeed (interrupted, killed, failed): the next
 * sync finishes its pass. `state` is null when it committed no batch of it.
 */
async function readUnfinishedFullPass(
  pool: pg.Pool,
  site: string,
): Promise<{ runId: number; mappingHash: string | null; state: FullPassState | null } | null> {
  const { rows } = await pool.query<{
    id: number
    status: string
    mapping_hash: string | null
    full_pass: FullPassState | null
  }>(
    `SELECT id, status, params->>'mappingHash' AS mapping_hash, params->'fullPass' AS full_pass
     FROM migration_run
     WHERE site = $1 AND command = 'sync' AND params->>'mode' = 'full' AND status <> 'rolled-back'
     ORDER BY id DESC LIMIT 1`,
    [site],
  )
  const row = rows[0]
  if (!row || row.status === 'succeeded') return null
  return { runId: row.id, mappingHash: row.mapping_hash, state: row.full_pass }
}

/** A full pass's progress once `nodes` (a batch in nid order) commits. */
function fullPassAfter(
  nodes: readonly D7NodeBundle[],
  mark: number,
  checksums: BucketChecksums | null,
  side: SideState | null,
): FullPassState | null {
  const last = nodes.at(-1)
  return last ? { afterNid: last.nid, mark, checksums, side } : null
}

/**
 * Transform each batch as it is read, on the prefetching side: while Postgres writes batch N, batch
 * N+1 is read and transformed (as in migrate). Transformed by the writer instead, a term rename's
 * batches of 2,000 spent 0.7–2.9 s transforming and then 2.0–3.6 s waiting for Postgres, one after
 * the other (100k fixture).
 */
async function* tagBatches(
  source: AsyncIterable<readonly D7NodeBundle[]>,
  mapping: CompiledMapping,
  unchanged: UnchangedFilter,
  progress: (nodes: readonly D7NodeBundle[]) => FullPassState | null,
): AsyncGenerator<SyncBatch> {
  for await (const nodes of source) {
    yield {
      read: nodes.length,
      outcomes: await transformBatch(nodes, mapping, unchanged),
      fullPass: progress(nodes),
    }
  }
}

async function* concatBatches<T>(...sources: AsyncIterable<T>[]): AsyncGenerator<T> {
  for (const source of sources) yield* source
}

/** Tag each item with whether it is the last one (reads one item ahead). */
async function* withLast<T>(source: AsyncIterable<T>): AsyncGenerator<{ value: T; isLast: boolean }> {
  const it = source[Symbol.asyncIterator]()
  let current = await it.next()
  while (!current.done) {
    const next = await it.next()
    yield { value: current.value, isLast: next.done === true }
    current = next
  }
}

function assertLockHeld(lock: SyncLock, url: string): void {
  if (lock.isHeld()) return
  throw new TargetError(
    `lost the sync lock on the target Postgres at ${redactUrl(url)} (its connection closed); stopping so ` +
      'that two syncs never write at once. Rerun dhm sync to resume: committed batches are kept.',
  )
}

function strayRows(outcomes: readonly RowOutcome[]): number {
  return countStrayLanguageRows(outcomes)
}
