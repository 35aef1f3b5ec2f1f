import type { RowDataPacket } from 'mysql2/promise'
import type pg from 'pg'
import { redactUrl } from '../config/redact.js'
import { EXIT, type ExitCode, TargetError } from '../errors.js'
import { extractArticleNodes } from '../extract/extract-article-nodes.js'
import { DEFAULT_BATCH_SIZE } from '../extract/extract-nodes.js'
import { readMenuLinks } from '../extract/site-structure.js'
import { explainSourceError, type SourceConnection } from '../extract/source-db.js'
import { openSourceSession } from '../extract/source-session.js'
import { readTargetMenuLinks, readTargetTermTree } from '../load/read-site-structure.js'
import { listPendingMigrations } from '../load/schema-migrations.js'
import { explainTargetError, openTarget } from '../load/target-db.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { createReportDir } from '../report/run-report.js'
import {
  countDifferences,
  type StructureCheck,
  type VerifyCounts,
  type VerifyReport,
} from '../report/verify-report.js'
import { type VerifyReportFiles, writeVerifyReport } from '../report/write-verify-report.js'
import { compareMenuLinks, compareTermTree } from '../verify/compare-site-structure.js'
import { Verifier } from '../verify/verifier.js'
import { countSourceNodes, runBatches, tagged } from './engine.js'
import type { RunListener } from './events.js'
import { readTermTree } from './finish-relations.js'
import { prefetch } from './prefetch.js'
import { UnchangedFilter } from './skip-unchanged.js'

export interface VerifyOptions {
  readonly mapping: CompiledMapping
  readonly mappingFile: string
  readonly sourceUrl: string
  readonly targetUrl: string
  readonly batchSize?: number
  /** Only these nids. */
  readonly ids?: readonly number[]
  /** A deterministic sample of this many source nids (the same sample every run on the same source). */
  readonly sample?: number
  /**
   * Accepted for old scripts, changes nothing: every article is compared as the target holds it
   * (it used to add a comparison of `document` where stored hashes agreed).
   */
  readonly deep?: boolean
  readonly reportsDir?: string
  readonly differencesLimit?: number
  readonly onEvent?: RunListener
  /** Exit 4 for owned fields edited in the target too (they are reported either way). */
  readonly strict?: boolean
  /**
   * false (`--no-fast-path`, or `deep`): compare every article in full, even those whose source and
   * target fingerprints say they are as dhm wrote them (pipeline/skip-unchanged.ts).
   */
  readonly fastPath?: boolean
}

export interface VerifyResult {
  readonly report: VerifyReport
  readonly reportDir: string
  readonly files: VerifyReportFiles
  readonly exitCode: ExitCode
}

/**
 * `dhm verify`: extract and transform exactly as `migrate` does, read the target's articles back as
 * the front end sees them (columns, term links, files, redirects: the reader `dhm export` uses),
 * compare article by article (the hash of both sides first, fields only where they differ) and
 * write report.json/.md/.html. A stored content_hash is never trusted.
 * Writes nothing to either database: the source is read in one read-only snapshot, the target
 * with SELECTs only.
 */
export async function runVerify(opts: VerifyOptions): Promise<VerifyResult> {
  const started = Date.now()
  const startedAt = new Date(started)
  const emit = opts.onEvent ?? (() => undefined)
  const { mapping } = opts
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE

  emit({ kind: 'phase', message: `reading the source schema (${redactUrl(opts.sourceUrl)})` })
  const source = await openSourceSession(opts.sourceUrl, mapping)
  try {
    const target = await openTarget(opts.targetUrl, { create: false })
    try {
      const { rows } = await target.pool
        .query<{ exists: boolean }>("SELECT to_regclass('article') IS NOT NULL AS exists")
        .catch((e) => {
          throw explainTargetError(e, opts.targetUrl)
        })
      if (!rows[0]?.exists) {
        throw new TargetError(
          `the target Postgres at ${redactUrl(opts.targetUrl)} has no article table: nothing was migrated there yet. Run "dhm migrate" first, or check --target.`,
        )
      }
      // Verify writes nothing, so it does not bring the target's schema up to date: with migrations
      // pending, the fingerprints it would read may not be there yet, and every article goes the
      // full way.
      const pending = await listPendingMigrations(target.pool).catch((e) => {
        throw explainTargetError(e, opts.targetUrl)
      })
      if (pending.length > 0) {
        emit({
          kind: 'phase',
          message: `the target's schema lacks ${pending.length} migration(s) of this dhm (${pending.join(', ')}): every article is compared in full; "dhm migrate" or "dhm sync" applies them`,
        })
      }
      let ids = opts.ids ? [...new Set(opts.ids)].sort((a, b) => a - b) : null
      if (opts.sample !== undefined) {
        emit({ kind: 'phase', message: `choosing a sample of ${opts.sample} node(s)` })
        ids = await sampleNids(source.conn, mapping, opts.sample, ids, opts.sourceUrl)
      }
      const total = await countSourceNodes(source.conn, opts.sourceUrl, mapping, { ids })
      emit({ kind: 'start', total })
      const reportDir = await createReportDir(opts.reportsDir ?? 'reports', 'verify', startedAt)
      const verifier = new Verifier({
        pool: target.pool,
        site: mapping.site,
        bundles: mapping.source.bundles,
        reportDir,
        ids,
        // With --ids/--sample, only the chosen nids are looked at, in the target too.
        tail: true,
        owned: mapping.owned,
        ...(opts.differencesLimit !== undefined ? { differencesLimit: opts.differencesLimit } : {}),
      })
      let lastEvent = Date.now()
      const batches = extractArticleNodes(source.conn, {
        mapping,
        layout: source.layout,
        batchSize,
        ...(ids ? { ids } : {}),
        sourceUrl: opts.sourceUrl,
      })
      const unchanged = new UnchangedFilter({
        pool: pending.length > 0 ? null : target.pool,
        site: mapping.site,
        owned: mapping.owned,
        fastPath: (opts.fastPath ?? true) && !opts.deep,
        writes: false,
      })
      await runBatches({
        // MariaDB reads the batch after next while the fingerprint query of the next one waits on
        // Postgres (the engine looks fingerprints up and transforms one batch ahead of the verifier).
        source: tagged(prefetch(batches), () => null),
        mapping,
        beforeTransform: (nodes) => unchanged.beforeTransform(nodes),
        sink: {
          write: ({ outcomes }) => {
            unchanged.tally(outcomes)
            return verifier.addBatch(outcomes)
          },
        },
        total,
        started,
        emit,
        // A phase line at most every 2 s (verify counts differences, not writes).
        progress: (elapsedMs) => {
          if (Date.now() - lastEvent <= 2000) return null
          lastEvent = Date.now()
          return { kind: 'phase', message: describeProgress(verifier.counts, total, elapsedMs) }
        },
        sourceUrl: opts.sourceUrl,
      })
      await verifier.finish()
      emit({ kind: 'phase', message: describeProgress(verifier.counts, total, Date.now() - started) })
      // A whole site's verify also compares its structure: the menus' links and the term tree.
      const structure =
        ids === null ? await checkSiteStructure(source.conn, opts.sourceUrl, target.pool, mapping) : null
      if (structure && structure.differences.length > 0) {
        emit({ kind: 'phase', message: describeStructure(structure) })
      }

      const totalMs = Date.now() - started
      const report: VerifyReport = {
        schemaVersion: 1,
        kind: 'verify',
        command: 'verify',
        site: mapping.site,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        params: {
          mapping: opts.mappingFile,
          source: redactUrl(opts.sourceUrl),
          target: redactUrl(opts.targetUrl),
          batchSize,
          ids: opts.ids ? [...opts.ids] : null,
          sample: opts.sample ?? null,
          deep: opts.deep ?? false,
          fastPath: (opts.fastPath ?? true) && !opts.deep,
        },
        ...verifier.snapshot(),
        ...(structure ? { structure } : {}),
        fastPath: { ...unchanged.counts },
        timings: {
          totalSeconds: round(totalMs / 1000),
          sourceSeconds: round((totalMs - verifier.targetMs) / 1000),
          targetSeconds: round(verifier.targetMs / 1000),
        },
      }
      const files = await writeVerifyReport(reportDir, report)
      const exitCode =
        (structure?.differences.length ?? 0) > 0
          ? EXIT.differences
          : verifyExitCode(report.counts, opts.strict)
      return { report, reportDir, files, exitCode }
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}

/**
 * 4 when anything is missing, extra or changed (or, with `strict`, edited in the target); else 3 when
 * rows were rejected; else 0.
 */
export function verifyExitCode(counts: VerifyCounts, strict = false): ExitCode {
  if (countDifferences(counts) > 0) return EXIT.differences
  if (strict && (counts.edited ?? 0) > 0) return EXIT.differences
  if (counts.rejected > 0) return EXIT.rejected
  return EXIT.ok
}

/**
 * The site's menu links (of the mapping's menus) and term tree, source against target: what the
 * end-of-run pass of migrate and sync writes (finish-relations.ts).
 */
async function checkSiteStructure(
  conn: SourceConnection,
  sourceUrl: string,
  pool: pg.Pool,
  mapping: CompiledMapping,
): Promise<StructureCheck> {
  const { menus } = mapping.relations
  const [sourceLinks, targetLinks, targetTerms] = await Promise.all([
    readMenuLinks(conn, sourceUrl, menus),
    readTargetMenuLinks(pool, mapping.site, menus),
    readTargetTermTree(pool, mapping.site),
  ])
  const { places } = await readTermTree(
    conn,
    sourceUrl,
    targetTerms.map((t) => t.tid),
  )
  return {
    menuLinks: sourceLinks.length,
    terms: places.length,
    differences: [
      ...compareMenuLinks(sourceLinks, targetLinks),
      ...compareTermTree(new Map(places.map((p) => [p.tid, p])), targetTerms),
    ],
  }
}

function describeStructure(s: StructureCheck): string {
  const shown = s.differences
    .slice(0, 5)
    .map((d) => `${d.kind} ${d.id} ${d.class}${d.fields.length ? ` (${d.fields.join(', ')})` : ''}`)
  return (
    `site structure: ${s.differences.length} difference(s) in ${s.menuLinks} menu link(s) and ${s.terms} term(s): ` +
    `${shown.join('; ')}${s.differences.length > shown.length ? '; …' : ''}`
  )
}

function describeProgress(c: VerifyCounts, total: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round(c.read / (elapsedMs / 1000)) : 0
  return (
    `${c.read}/${total} · matched ${c.matched} · missing ${c.missing} · extra ${c.extra}` +
    ` · changed ${c.changed} · rejected ${c.rejected} · ${rate}/s`
  )
}

/**
 * N nids of the mapped bundles, the same ones every time for the same source: ordered by a hash of
 * the nid (spread over the whole archive, not the oldest N), chosen by the server in one pass.
 */
async function sampleNids(
  conn: SourceConnection,
  mapping: CompiledMapping,
  n: number,
  within: readonly number[] | null,
  url: string,
): Promise<number[]> {
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT nid FROM {node} WHERE type IN (?)${within ? ' AND nid IN (?)' : ''}
       ORDER BY MD5(CONCAT('dhm-verify:', nid)) LIMIT ?`,
      within ? [mapping.source.bundles, within.length ? within : [0], n] : [mapping.source.bundles, n],
    )
    return rows.map((r) => Number(r.nid)).sort((a, b) => a - b)
  } catch (cause) {
    throw explainSourceError(cause, url)
  }
}

const round = (n: number) => Math.round(n * 100) / 100
