import { redactUrl } from '../config/redact.js'
import { ConfigError, LockedError } from '../errors.js'
import {
  countRunChanges,
  findLaterRuns,
  type KeptCounts,
  LOGGED_TABLES,
  type RollbackCounts,
  undoRunChanges,
} from '../load/run-changes.js'
import { runIsAliveSql } from '../load/run-log.js'
import { acquireSyncLock } from '../load/sync-lock.js'
import { explainTargetError, openTarget } from '../load/target-db.js'

export interface RollbackOptions {
  readonly targetUrl: string
  readonly runId: number
  /** Say what would be done; change nothing. */
  readonly dryRun?: boolean
  /** Restore although later runs changed some of the same rows. */
  readonly force?: boolean
}

export interface RollbackResult {
  readonly runId: number
  readonly site: string
  readonly command: string
  /** `already`: the run was rolled back before (nothing done); `planned`: --dry-run. */
  readonly outcome: 'rolled-back' | 'already' | 'planned'
  readonly counts: RollbackCounts
  /** Rows the run inserted that stay, because rows it did not write refer to them. */
  readonly kept: KeptCounts | null
  /** Later runs that changed some of the same rows, newest first (restored over with --force). */
  readonly laterRuns: readonly number[]
}

/** A rollback refused because later runs changed the same rows (exit 2). */
export class RollbackRefusedError extends ConfigError {
  constructor(
    readonly runId: number,
    readonly laterRuns: readonly number[],
  ) {
    super(
      `run ${runId} cannot be rolled back: later run(s) ${laterRuns.join(', ')} changed some of the same rows. ` +
        `Roll those back first, newest first (${laterRuns.map((r) => `dhm rollback --run ${r}`).join(', then ')}), ` +
        'or give --force to restore the state before run ' +
        `${runId} over their changes. Nothing was changed.`,
    )
  }
}

/**
 * `dhm rollback --run N`: undo what migrate, sync or release run N changed in the target, from its undo log
 * (run_change), in one transaction, under the site's sync lock so no sync of the site runs meanwhile.
 * The run is then marked `rolled-back` and loses its high-water mark, so the next sync starts from the
 * mark before it. A second rollback of the same run does nothing.
 */
export async function runRollback(opts: RollbackOptions): Promise<RollbackResult> {
  const target = await openTarget(opts.targetUrl)
  try {
    const run = await readRun(target.pool, opts.runId, opts.targetUrl)
    const lock = opts.dryRun ? null : await acquireSyncLock(opts.targetUrl, run.site)
    try {
      const alive = await target.pool.query<{ id: number; command: string }>(
        `SELECT id, command FROM migration_run r
         WHERE site = $1 AND status = 'running' AND ${runIsAliveSql('r')} ORDER BY id`,
        [run.site],
      )
      if (alive.rows.length > 0 && !opts.dryRun) {
        throw new LockedError(
          `run(s) ${alive.rows.map((r) => `${r.id} (${r.command})`).join(', ')} of site ${run.site} are running ` +
            `against ${redactUrl(opts.targetUrl)}; roll back once they have finished. Nothing was changed.`,
        )
      }
      const base = { runId: run.id, site: run.site, command: run.command }
      if (run.status === 'rolled-back') {
        return {
          ...base,
          outcome: 'already',
          counts: await countRunChanges(target.pool, run.id),
          kept: null,
          laterRuns: [],
        }
      }
      const laterRuns = await findLaterRuns(target.pool, run.id)
      if (opts.dryRun) {
        return {
          ...base,
          outcome: 'planned',
          counts: await countRunChanges(target.pool, run.id),
          kept: null,
          laterRuns,
        }
      }
      if (laterRuns.length > 0 && !opts.force) throw new RollbackRefusedError(run.id, laterRuns)

      const client = await target.pool.connect()
      try {
        await client.query('BEGIN')
        // No batch of any writer (a migrate, which takes no sync lock; the new system) interleaves
        // with the rollback: one in progress is waited for, later ones wait until it commits.
        await client.query(
          `LOCK TABLE ${LOGGED_TABLES.map((t) => t.table).join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
        )
        // What the rollback writes is dhm's restoring, not an editor's edit (see target_edit).
        await client.query("SELECT set_config('dhm.restoring', '1', true)")
        const { counts, kept } = await undoRunChanges(client, run.id)
        await client.query(
          `UPDATE migration_run SET status = 'rolled-back', high_water_mark = NULL,
             params = (params - 'fullPass') || jsonb_build_object('rolledBack', jsonb_build_object(
               'at', now(), 'status', status, 'highWaterMark', high_water_mark, 'counts', $2::jsonb))
           WHERE id = $1`,
          [run.id, JSON.stringify(counts)],
        )
        await client.query('COMMIT')
        return { ...base, outcome: 'rolled-back', counts, kept, laterRuns }
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw (error as { code?: string }).code ? explainTargetError(error, opts.targetUrl) : error
      } finally {
        client.release()
      }
    } finally {
      await lock?.release()
    }
  } finally {
    await target.close()
  }
}

/**
 * The commands whose runs record an undo log. A release is one: rolling it back gives the editors'
 * values back, so the fields are owned again (what they were before it).
 */
export const UNDOABLE_COMMANDS: readonly string[] = ['migrate', 'sync', 'release']

/** The schema migration that created run_change: runs started before it finished have no undo log. */
const UNDO_LOG_MIGRATION = '20261207140000_run_change'

async function readRun(
  pool: import('pg').Pool,
  runId: number,
  url: string,
): Promise<{ id: number; site: string; command: string; status: string }> {
  const { rows: tables } = await pool
    .query<{ runs: boolean; log: string | null }>(
      `SELECT to_regclass('migration_run') IS NOT NULL AS runs,
         (SELECT migration_name FROM _prisma_migrations
          WHERE migration_name = '${UNDO_LOG_MIGRATION}' AND finished_at IS NOT NULL) AS log`,
    )
    .catch((error: unknown) => {
      if ((error as { code?: string }).code === '42P01') return { rows: [{ runs: false, log: null }] }
      throw explainTargetError(error, url)
    })
  if (!tables[0]?.runs || tables[0].log === null) {
    throw new ConfigError(
      `${redactUrl(url)} has no undo log (no dhm run log, or a schema from before dhm rollback): ` +
        'nothing can be rolled back there. Runs record their undo log once dhm migrate or sync has updated the schema.',
    )
  }
  const { rows } = await pool
    .query<{
      id: number
      site: string
      command: string
      status: string
      before_log: boolean
      pruned: boolean
    }>(
      `SELECT id, site, command, status, params ? 'undoPruned' AS pruned,
         started_at < (SELECT finished_at FROM _prisma_migrations WHERE migration_name = $2) AS before_log
       FROM migration_run WHERE id = $1`,
      [runId, tables[0].log],
    )
    .catch((error: unknown) => {
      throw explainTargetError(error, url)
    })
  const run = rows[0]
  if (!run) {
    throw new ConfigError(
      `run ${runId} is not in the run log of ${redactUrl(url)}. Run "dhm status" to list the runs.`,
    )
  }
  if (!UNDOABLE_COMMANDS.includes(run.command)) {
    throw new ConfigError(
      `run ${runId} is a ${run.command}, which changes nothing: only migrate, sync and release runs can be rolled back.`,
    )
  }
  if (run.status !== 'rolled-back' && (run.before_log || run.pruned)) {
    throw new ConfigError(
      `run ${runId} cannot be rolled back: ${
        run.pruned
          ? 'its undo log was pruned (runs older than the retention, DHM_UNDO_RETENTION_DAYS, lose theirs)'
          : 'it ran before this target had an undo log'
      }. Restore a backup instead. Nothing was changed.`,
    )
  }
  return run
}
