import type pg from 'pg'
import { type BucketChecksums, findChangedNodes, readSourceClock } from '../extract/changed-nodes.js'
import { extractArticleNodes, withTranslationSources } from '../extract/extract-article-nodes.js'
import type { ExtractOptions } from '../extract/extract-nodes.js'
import type { SourceConnection } from '../extract/source-db.js'
import type { SourceLayout } from '../extract/source-schema.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { concatSources, countSourceNodes, type SourceBatch, tagged } from './engine.js'
import type { RunListener } from './events.js'
import {
  CHANGE_KINDS,
  type ChangeCounts,
  findSideChanges,
  type SideKind,
  type SideState,
} from './side-changes.js'
import { readSyncBaseline } from './sync-baseline.js'
import { fullScanPlan, planScans, renderScanPlan, type ScanPlan } from './sync-scans.js'
import { type FullPassState, fullPassAfter, type PreviousSync } from './sync-state.js'

export interface SyncCandidatesContext {
  readonly conn: SourceConnection
  readonly layout: SourceLayout
  /** The target (side-table state lives there). */
  readonly pool: pg.Pool
  readonly mapping: CompiledMapping
  readonly batchSize: number
  readonly sourceUrl: string
  readonly overlap: number
  readonly emit: RunListener
  readonly previous: PreviousSync | null
  /** The full pass this sync resumes (see sync-state.ts), or null. */
  readonly resume: FullPassState | null
  /** Why this sync reads everything; null: incremental. */
  readonly fullReason: string | null
  /** Candidate counts per kind of change, added to here. */
  readonly tally: ChangeCounts
  /** This sync's snapshot, by the source's clock (SourceSession.openedAt). */
  readonly openedAt: number
  /** Seconds after which a scan runs whatever its tables say (sync-scans.ts). */
  readonly rescanAfter: number
  /** Why the deletion scan runs even if node did not change (sync-state.ts deletionScanDistrust). */
  readonly deletionsDistrust: string | null
}

/** What a sync reads and the mark it commits with its last batch. */
export interface SyncCandidates {
  /** Batches tagged with a full pass's progress once they commit (null: not part of a pass). */
  readonly source: AsyncIterable<SourceBatch<FullPassState | null>>
  readonly candidates: number
  readonly highWaterMark: number
  readonly checksums: BucketChecksums | null
  readonly side: SideState | null
  /** Which scans ran and which were skipped because their tables did not change (sync-scans.ts). */
  readonly scans: ScanPlan
}

/**
 * The nodes a sync reads: those changed since the previous mark (node.changed, workflow stamps,
 * publication_date checksums, side tables; see findChangedNodes and findSideChanges), every node
 * (a full pass), or the rest of an interrupted pass after the nodes it covered that changed since.
 */
export async function findSyncCandidates(ctx: SyncCandidatesContext): Promise<SyncCandidates> {
  const { conn, layout, mapping, batchSize, overlap, emit, previous, resume, fullReason, tally } = ctx
  let source: AsyncIterable<SourceBatch<FullPassState | null>>
  let highWaterMark: number
  let candidates: number
  let checksums: BucketChecksums | null
  let side: SideState | null
  let scans: ScanPlan
  const extractOpts: ExtractOptions = { mapping, layout, batchSize, sourceUrl: ctx.sourceUrl }
  // What changed since `since` (publication_date by checksums against `previousChecksums`), the
  // nodes side-table edits affect (against `previousSide`; see findSideChanges), with the
  // translation sources of changed translations: what an incremental sync reads.
  // Scans whose tables did not change since that state was read are skipped (sync-scans.ts).
  const changedSince = async (
    since: number,
    previousChecksums: BucketChecksums | null,
    previousSide: SideState | null,
    deletionsDistrust: string | null,
  ) => {
    const plan = await planScans(conn, {
      mapping,
      layout,
      sourceUrl: ctx.sourceUrl,
      openedAt: ctx.openedAt,
      basis: { side: previousSide, checksums: previousChecksums },
      overlap,
      rescanAfter: ctx.rescanAfter,
      deletionsDistrust,
    })
    emit({ kind: 'phase', message: `scans: ${renderScanPlan(plan)}` })
    const changes = await findChangedNodes(conn, {
      mapping,
      layout,
      since,
      previousChecksums,
      sourceUrl: ctx.sourceUrl,
      skip: { publicationDate: plan.skip.has('publication-date'), workflow: plan.skip.has('workflow') },
    })
    const sideChanges = await findSideChanges(conn, ctx.pool, {
      mapping,
      layout,
      since,
      previous: previousSide,
      sourceUrl: ctx.sourceUrl,
      skip: plan.skip,
      watch: plan.watch,
    })
    const all = new Set(changes.nids)
    tally.node += changes.nids.length
    for (const [kind, nids] of Object.entries(sideChanges.byKind) as [SideKind, ReadonlySet<number>][]) {
      tally[kind] += nids.size
      for (const nid of nids) all.add(nid)
    }
    const newestStamp =
      sideChanges.newestStamp === null
        ? changes.newestStamp
        : Math.max(changes.newestStamp ?? 0, sideChanges.newestStamp)
    const detected = [...all].sort((a, b) => a - b)
    return {
      plan,
      changes,
      sideChanges,
      newestStamp,
      nids: await withTranslationSources(conn, extractOpts, detected),
    }
  }
  // Marks are capped at the source's clock (see readSourceClock), also one a run stored before.
  const sourceNow = await readSourceClock(conn, ctx.sourceUrl)
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
    const { plan, changes, sideChanges, newestStamp, nids } = await changedSince(
      since,
      resume.checksums,
      resume.side ?? null,
      'a full pass compares every nid',
    )
    scans = plan
    const mark = capped(Math.max(previous?.mark ?? 0, resume.mark, newestStamp ?? 0))
    highWaterMark = mark
    checksums = changes.checksums
    side = sideChanges.state
    const passChecksums = checksums
    const passSide = side
    const redo = nids.filter((nid) => nid <= resume.afterNid)
    const rest = await countSourceNodes(conn, ctx.sourceUrl, mapping, {
      afterNid: resume.afterNid,
    })
    candidates = redo.length + rest
    tally.node += rest
    emit({
      kind: 'phase',
      message:
        `full sync (${fullReason}): ${redo.length} node(s) up to nid ${resume.afterNid} changed since ` +
        `${new Date(since * 1000).toISOString()}, then ${rest} node(s) after it`,
    })
    source = concatSources(
      tagged(extractArticleNodes(conn, { ...extractOpts, ids: redo }), () => null),
      tagged(extractArticleNodes(conn, { ...extractOpts, afterNid: resume.afterNid }), (nodes) =>
        fullPassAfter(nodes, mark, passChecksums, passSide),
      ),
    )
  } else if (fullReason || previous === null) {
    emit({ kind: 'phase', message: `full sync (${fullReason}): reading every node` })
    const baseline = await readSyncBaseline(conn, mapping, layout, ctx.sourceUrl, ctx.openedAt)
    const mark = capped(Math.max(previous?.mark ?? 0, baseline.newestStamp ?? 0))
    highWaterMark = mark
    checksums = baseline.checksums
    scans = fullScanPlan(mapping, layout, ctx.openedAt, 'full sync')
    side = { ...baseline.side, watch: scans.watch }
    const passChecksums = checksums
    const passSide = side
    candidates = await countSourceNodes(conn, ctx.sourceUrl, mapping)
    tally.node = candidates
    source = tagged(extractArticleNodes(conn, extractOpts), (nodes) =>
      fullPassAfter(nodes, mark, passChecksums, passSide),
    )
  } else {
    const since = capped(previous.mark) - overlap
    const { plan, changes, sideChanges, newestStamp, nids } = await changedSince(
      since,
      previous.checksums,
      previous.side,
      ctx.deletionsDistrust,
    )
    scans = plan
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
          .map((k) => `${k} ${tally[k]} (${sideTook[k].toFixed(2)}s)`)
          .join(', ')}`,
    })
    source = tagged(extractArticleNodes(conn, { ...extractOpts, ids: nids }), () => null)
  }
  return { source, candidates, highWaterMark, checksums, side, scans }
}
