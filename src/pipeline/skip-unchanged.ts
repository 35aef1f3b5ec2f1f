import type pg from 'pg'
import type { D7NodeBundle } from '../extract/d7-types.js'
import {
  type FingerprintPlan,
  readTargetFingerprintsAfter,
  readTargetFingerprintsFor,
  storeRowVersions,
  type TargetFingerprint,
} from '../load/target-fingerprint.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { COVERAGE_FIELDS } from '../model/article-coverage.js'
import type { OwnedFields } from '../model/owned-fields.js'
import type { RunCounts } from '../report/run-stats.js'
import type { RowOutcome } from '../transform/outcome.js'
import type { PreTransform } from './engine.js'

export interface UnchangedFilterOptions {
  /** The target (null: no schema yet, nothing to skip). */
  readonly pool: Pick<pg.Pool, 'query'> | null
  readonly site: string
  /** The mapping's owned fields: an article with an editor's value in one is never skipped. */
  readonly owned: OwnedFields
  /** false (`--no-fast-path`): transform and compare every node; fingerprints are still kept. */
  readonly fastPath: boolean
  /**
   * The run writes (migrate, sync): keep what the loader needs to store fingerprints and to repair
   * articles edited in the target ({@link UnchangedFilter.plansFor}). verify: false.
   */
  readonly writes: boolean
}

/** What the fast path did over a run, for its report. */
export interface FastPathCounts {
  /** Nodes settled without a transform (in `unchanged` / `matched`). */
  settled: number
  /**
   * Articles whose target no longer computes the fingerprint stored with them: edited in Postgres
   * since dhm wrote them (or written before fingerprints existed, or rolled back). migrate and sync
   * rewrite them (owned fields keep the editor's value). Counted where it is computed before the
   * transform: not for a node of a sparse batch whose source changed too (it is transformed and
   * written or compared anyway; see readTargetFingerprintsFor).
   */
  targetChanged: number
}

/**
 * The fast path of migrate again, `sync --full` and verify (issue #19 "Unchanged rows", #25). For a
 * batch, one query returns each article's stored source and target fingerprints and the target
 * fingerprint Postgres computes now (load/target-fingerprint.ts: by the article's row version where it
 * is the stored one, else from its content). A node whose source fingerprint
 * (extract/source-fingerprint.ts) equals the stored one, and whose article still computes the stored
 * target fingerprint, is settled without a transform: the last write made that article from this
 * very source, and nobody changed it since. Every other node goes the full way; one whose target
 * changed is rewritten by the loader whatever its content hash says (see {@link plansFor}).
 *
 * Called once per batch before the transform: `beforeTransform` is the batch engine's hook
 * (pipeline/engine.ts); the sinks of migrate and sync hand each batch's plans to loadBatch, verify's
 * tallies its batches.
 */
export class UnchangedFilter {
  /** Counted as batches are handed on (plansFor, tally), not as they are read ahead. */
  readonly counts: FastPathCounts = { settled: 0, targetChanged: 0 }
  private readonly plans = new Map<number, FingerprintPlan>()
  /** Nodes read ahead whose target changed, until their batch is counted. */
  private readonly changed = new Set<number>()
  /** The last batch plansFor was called for, and what it returned (a retried write asks again). */
  private last: { outcomes: readonly RowOutcome[]; plans: ReadonlyMap<number, FingerprintPlan> } | null = null

  /** The next batch's target fingerprints, asked for while this one is read (see {@link lookUp}). */
  private ahead: ReadAhead | null = null

  constructor(private readonly opts: UnchangedFilterOptions) {}

  /** Split a batch into nodes to transform and nodes settled by their fingerprints. */
  async beforeTransform(nodes: readonly D7NodeBundle[]): Promise<PreTransform> {
    const { pool } = this.opts
    const fingerprinted = nodes.filter((n) => n.sourceFingerprint !== undefined)
    if (pool === null || fingerprinted.length === 0) return { transform: nodes, decided: [] }
    const byNid = await this.lookUp(
      pool,
      new Map(fingerprinted.map((n) => [n.nid, n.sourceFingerprint as string])),
    )
    const transform: D7NodeBundle[] = []
    const decided: RowOutcome[] = []
    const versions: { nid: number; version: string; target: string }[] = []
    for (const node of nodes) {
      const source = node.sourceFingerprint
      const target = byNid.get(node.nid)
      if (source === undefined) {
        transform.push(node)
        continue
      }
      // target.target null: not computed, the node's source changed (readTargetFingerprintsFor).
      const isVerified = target === undefined || target.target !== null
      const isTargetIntact =
        target !== undefined && target.target !== null && target.storedTarget === target.target
      if (target !== undefined && isVerified && !target.isDeleted && !isTargetIntact)
        this.changed.add(node.nid)
      if (
        this.opts.fastPath &&
        target !== undefined &&
        isTargetIntact &&
        !target.isDeleted &&
        !target.isOwnedEdited &&
        target.storedSource === source &&
        target.coverage?.length === COVERAGE_FIELDS.length
      ) {
        decided.push({
          kind: 'unchanged',
          ref: { nid: node.nid, vid: node.vid },
          strayLanguageRows: node.strayLanguageRows,
          coverage: target.coverage,
        })
        // Settled by its content: its row version goes with its fingerprints from now on.
        if (target.version && target.target !== null)
          versions.push({ nid: node.nid, version: target.version, target: target.target })
        continue
      }
      transform.push(node)
      if (this.opts.writes) {
        this.plans.set(node.nid, {
          source,
          seen: target?.target ?? null,
          force: target !== undefined && isVerified && !target.isDeleted && !isTargetIntact,
          verified: isVerified,
        })
      }
    }
    if (this.opts.writes) await storeRowVersions(pool, this.opts.site, versions)
    return { transform, decided }
  }

  /**
   * The target fingerprints of a batch's nodes (nid → source fingerprint, ascending). A dense batch
   * (a run reading the source in nid order) also asks for the next one's: the site's next articles
   * after its last nid, as many as it has nodes. That query runs on Postgres while MariaDB and dhm
   * read the next batch, instead of after it; the next batch takes from it the nids it covers and
   * asks for the others by nid, computing their target fingerprints only where the source is
   * unchanged (readTargetFingerprintsFor).
   */
  private async lookUp(
    pool: Pick<pg.Pool, 'query'>,
    sources: ReadonlyMap<number, string>,
  ): Promise<Map<number, TargetFingerprint>> {
    const { site, owned } = this.opts
    const nids = [...sources.keys()]
    const ahead = this.ahead
    const lo = nids[0] ?? 0
    const hi = nids[nids.length - 1] ?? 0
    this.ahead =
      nids.length >= READ_AHEAD_MIN && hi - lo + 1 <= 2 * nids.length
        ? readAhead(pool, site, hi, nids.length, owned)
        : null
    const byNid = new Map<number, TargetFingerprint>()
    let rest = nids
    if (ahead !== null) {
      const { throughNid, rows } = await ahead.answer
      const isCovered = (nid: number) => nid > ahead.afterNid && nid <= throughNid
      for (const f of rows) byNid.set(f.legacyNid, f)
      rest = nids.filter((nid) => !isCovered(nid))
    }
    // The others (a sparse batch: sync's candidates): computed only where the source is unchanged.
    const restSources = new Map(rest.map((nid) => [nid, sources.get(nid) as string]))
    for (const f of await readTargetFingerprintsFor(pool, site, restSources, owned)) byNid.set(f.legacyNid, f)
    return byNid
  }

  /**
   * For the loader (loadBatch's `fingerprints`): per node of these outcomes, the source fingerprint
   * to store, the target fingerprint seen before the transform, and whether the article must be
   * rewritten (its target changed). Counts the batch. Asked again for the same batch (the engine
   * retries a write on a lost connection), it returns the same plans and counts nothing.
   */
  plansFor(outcomes: readonly RowOutcome[]): ReadonlyMap<number, FingerprintPlan> {
    if (this.last?.outcomes === outcomes) return this.last.plans
    this.tally(outcomes)
    const out = new Map<number, FingerprintPlan>()
    for (const o of outcomes) {
      const plan = this.plans.get(o.ref.nid)
      if (plan === undefined) continue
      this.plans.delete(o.ref.nid)
      out.set(o.ref.nid, plan)
    }
    this.last = { outcomes, plans: out }
    return out
  }

  /** Count a batch the run has handed on (plansFor does it for runs that write). */
  tally(outcomes: readonly RowOutcome[]): void {
    for (const o of outcomes) {
      if (o.kind === 'unchanged') this.counts.settled++
      if (this.changed.delete(o.ref.nid)) this.counts.targetChanged++
    }
  }
}

/** Batches smaller than this are not read ahead of (sync's few changed nodes, --ids, tests). */
const READ_AHEAD_MIN = 200

/** The target fingerprints of the site's next articles after `afterNid`, asked for ahead. */
interface ReadAhead {
  readonly afterNid: number
  /** throughNid: the last nid the answer covers (every nid when it held fewer articles than asked). */
  readonly answer: Promise<{ readonly throughNid: number; readonly rows: readonly TargetFingerprint[] }>
}

function readAhead(
  pool: Pick<pg.Pool, 'query'>,
  site: string,
  afterNid: number,
  limit: number,
  owned: OwnedFields,
): ReadAhead {
  const answer = readTargetFingerprintsAfter(pool, site, afterNid, limit, owned).then((rows) => {
    let last = afterNid
    for (const r of rows) if (r.legacyNid > last) last = r.legacyNid
    return { throughNid: rows.length < limit ? Number.POSITIVE_INFINITY : last, rows }
  })
  // A run that ends (or fails) before its next batch never asks for the answer: not an unhandled
  // rejection; a batch that does ask gets the error.
  answer.catch(() => undefined)
  return { afterNid, answer }
}

/**
 * The filter of a run that writes (migrate, sync), its counts kept in `counts.fastPath`. It also runs
 * with the fast path off: it still stores fingerprints and repairs articles edited in the target.
 */
export function fastPathFilter(
  pool: Pick<pg.Pool, 'query'>,
  mapping: CompiledMapping,
  fastPath: boolean | undefined,
  counts: RunCounts,
): UnchangedFilter {
  const filter = new UnchangedFilter({
    pool,
    site: mapping.site,
    owned: mapping.owned,
    fastPath: fastPath ?? true,
    writes: true,
  })
  counts.fastPath = filter.counts
  return filter
}
