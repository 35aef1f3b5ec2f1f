import type pg from 'pg'
import type { VerifyReport } from '../report/verify-report.js'
import { writeVerifyReport } from '../report/write-verify-report.js'
import type { RowOutcome } from '../transform/outcome.js'
import { Verifier } from './verifier.js'

export interface MigrationPlan {
  addBatch(outcomes: readonly RowOutcome[]): Promise<void>
  /** Finish (extra rows beyond the last nid) and write report.json/.md/.html into the run's folder. */
  write(run: {
    readonly startedAt: Date
    readonly params: Readonly<Record<string, unknown>>
  }): Promise<VerifyReport>
}

/**
 * `dhm migrate --dry-run` as a verify report: the same comparison and renderers, read as a plan
 * (missing = would insert, changed = would update with the fields, extra = would delete, rejected).
 * Rejects are written by the migration itself.
 */
export function planMigration(opts: {
  readonly pool: Pick<pg.Pool, 'query'> | null
  readonly site: string
  /** The mapping's bundles: extra target rows of other bundles belong to another mapping. */
  readonly bundles: readonly string[]
  readonly reportDir: string
  readonly ids?: readonly number[]
  /** With --limit the run stops early: rows beyond the last nid read are not judged. */
  readonly limited: boolean
}): MigrationPlan {
  const verifier = new Verifier({
    pool: opts.pool,
    site: opts.site,
    bundles: opts.bundles,
    reportDir: opts.reportDir,
    ids: opts.ids ? [...new Set(opts.ids)].sort((a, b) => a - b) : null,
    tail: !opts.limited,
    writeRejects: false,
    // A plan says what a migration would write, and a migration skips an article whose stored
    // content_hash equals the source's, whatever its columns hold.
    fingerprint: 'stored-hash',
  })
  return {
    addBatch: (outcomes) => verifier.addBatch(outcomes),
    async write(run) {
      await verifier.finish()
      const totalMs = Date.now() - run.startedAt.getTime()
      const report: VerifyReport = {
        schemaVersion: 1,
        kind: 'plan',
        command: 'migrate --dry-run',
        site: opts.site,
        startedAt: run.startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        params: run.params,
        ...verifier.snapshot(),
        timings: {
          totalSeconds: round(totalMs / 1000),
          sourceSeconds: round((totalMs - verifier.targetMs) / 1000),
          targetSeconds: round(verifier.targetMs / 1000),
        },
      }
      await writeVerifyReport(opts.reportDir, report)
      return report
    },
  }
}

const round = (n: number) => Math.round(n * 100) / 100
