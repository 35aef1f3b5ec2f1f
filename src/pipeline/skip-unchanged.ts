import type pg from 'pg'
import type { D7NodeBundle } from '../extract/d7-types.js'
import { type FingerprintPlan, readTargetFingerprints } from '../load/target-fingerprint.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { COVERAGE_FIELDS } from '../model/article-coverage.js'
import type { OwnableField } from '../model/owned-fields.js'
import type { RunCounts } from '../report/run-stats.js'
import type { RowOutcome } from '../transform/outcome.js'
import { transformNode } from '../transform/transform-node.js'

/** What {@link UnchangedFilter.beforeTransform} decided for a batch (the engine's `beforeTransform`). */
export interface PreTransform {
  /** Nodes to transform. */
  readonly transform: readonly D7NodeBundle[]
  /** Nodes settled without a transform: outcomes of kind `unchanged`. */
  readonly decided: readonly RowOutcome[]
}

export interface UnchangedFilterOptions {
  /** The target (null: no schema yet, nothing to skip). */
  readonly pool: Pick<pg.Pool, 'query'> | null
  readonly site: string
  /** The mapping's owned fields: an article with an editor's value in one is never skipped. */
  readonly owned: readonly OwnableField[]
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
   * rewrite them (owned fields keep the editor's value).
   */
  targetChanged: number
}

/**
 * The fast path of migrate again, `sync --full` and verify (issue #19 "Unchanged rows", #25). For a
 * batch, one query returns each article's stored source and target fingerprints and the target
 * fingerprint Postgres computes now (load/target-fingerprint.ts). A node whose source fingerprint
 * (extract/source-fingerprint.ts) equals the stored one, and whose article still computes the stored
 * target fingerprint, is settled without a transform: the last write made that article from this
 * very source, and nobody changed it since. Every other node goes the full way; one whose target
 * changed is rewritten by the loader whatever its content hash says (see {@link plansFor}).
 *
 * Called once per batch before the transform: `beforeTransform` has the shape of the batch engine's
 * hook (pipeline/engine.ts on the engine branch).
 */
export class UnchangedFilter {
  /** Counted as batches are handed on (plansFor, tally), not as they are read ahead. */
  readonly counts: FastPathCounts = { settled: 0, targetChanged: 0 }
  private readonly plans = new Map<number, FingerprintPlan>()
  /** Nodes read ahead whose target changed, until their batch is counted. */
  private readonly changed = new Set<number>()

  constructor(private readonly opts: UnchangedFilterOptions) {}

  /** Split a batch into nodes to transform and nodes settled by their fingerprints. */
  async beforeTransform(nodes: readonly D7NodeBundle[]): Promise<PreTransform> {
    const { pool, site, owned } = this.opts
    const fingerprinted = nodes.filter((n) => n.sourceFingerprint !== undefined)
    if (pool === null || fingerprinted.length === 0) return { transform: nodes, decided: [] }
    const found = await readTargetFingerprints(
      pool,
      site,
      fingerprinted.map((n) => n.nid),
      owned,
    )
    const byNid = new Map(found.map((f) => [f.legacyNid, f]))
    const transform: D7NodeBundle[] = []
    const decided: RowOutcome[] = []
    for (const node of nodes) {
      const source = node.sourceFingerprint
      const target = byNid.get(node.nid)
      if (source === undefined) {
        transform.push(node)
        continue
      }
      const isTargetIntact = target !== undefined && target.storedTarget === target.target
      if (target !== undefined && !target.isDeleted && !isTargetIntact) this.changed.add(node.nid)
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
        continue
      }
      transform.push(node)
      if (this.opts.writes) {
        this.plans.set(node.nid, {
          source,
          seen: target?.target ?? null,
          force: target !== undefined && !target.isDeleted && !isTargetIntact,
        })
      }
    }
    return { transform, decided }
  }

  /**
   * For the loader (loadBatch's `fingerprints`), once per batch and outside its retries: per node of
   * these outcomes, the source fingerprint to store, the target fingerprint seen before the
   * transform, and whether the article must be rewritten (its target changed). Counts the batch.
   */
  plansFor(outcomes: readonly RowOutcome[]): ReadonlyMap<number, FingerprintPlan> {
    this.tally(outcomes)
    const out = new Map<number, FingerprintPlan>()
    for (const o of outcomes) {
      const plan = this.plans.get(o.ref.nid)
      if (plan === undefined) continue
      this.plans.delete(o.ref.nid)
      out.set(o.ref.nid, plan)
    }
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

/**
 * A batch's outcomes in nid order: `filter` (null: none) settles what it can, the rest is transformed.
 * What today's loops call once per batch, until the engine's `beforeTransform` hook does it.
 */
export async function transformBatch(
  nodes: readonly D7NodeBundle[],
  mapping: CompiledMapping,
  filter: UnchangedFilter | null,
): Promise<RowOutcome[]> {
  if (filter === null) return nodes.map((node) => transformNode(node, mapping))
  const { transform, decided } = await filter.beforeTransform(nodes)
  const made = transform.map((node) => transformNode(node, mapping))
  if (decided.length === 0) return made
  return [...made, ...decided].sort((a, b) => a.ref.nid - b.ref.nid)
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

/** {@link transformBatch} over a source of batches (a producer to prefetch from). */
export async function* transformBatches(
  source: AsyncIterable<readonly D7NodeBundle[]>,
  mapping: CompiledMapping,
  filter: UnchangedFilter | null,
): AsyncGenerator<RowOutcome[]> {
  for await (const nodes of source) yield await transformBatch(nodes, mapping, filter)
}
