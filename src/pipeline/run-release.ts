import { countOwnedEdits, type OwnedEditCounts, releaseOwnedField } from '../load/owned-edits.js'
import { tagRunChanges } from '../load/run-changes.js'
import { finishRun, startRun } from '../load/run-log.js'
import { explainTargetError, openTarget } from '../load/target-db.js'
import { inTransaction } from '../load/transaction.js'
import type { OwnableField, OwnedFields } from '../model/owned-fields.js'

export interface ReleaseOptions {
  readonly targetUrl: string
  readonly site: string
  readonly fields: readonly OwnableField[]
  readonly ids: readonly number[]
  /** The mapping's `owned.from`: only edits made since count (null: any). */
  readonly from?: string | null
}

/** Per field, the nids whose edited value went back to what dhm last wrote. */
export type ReleaseResult = Readonly<Partial<Record<OwnableField, readonly number[]>>>

/**
 * `dhm release`: hand owned fields of some articles back to dhm (see releaseOwnedField), in one
 * transaction recorded as a run (command `release` in migration_run) whose undo log keeps the
 * editors' values: `dhm rollback --run N` of it gives them back, and they are owned again.
 */
export async function runRelease(
  opts: ReleaseOptions,
): Promise<{ readonly runId: number; readonly released: ReleaseResult }> {
  const target = await openTarget(opts.targetUrl)
  try {
    const run = await startRun(opts.targetUrl, opts.site, 'release', {
      fields: opts.fields,
      ids: opts.ids,
      ...(opts.from ? { from: opts.from } : {}),
    })
    try {
      const result = await inTransaction(target.pool, opts.targetUrl, async (client) => {
        await tagRunChanges(client, run.id)
        const out: Partial<Record<OwnableField, readonly number[]>> = {}
        for (const field of opts.fields) {
          out[field] = await releaseOwnedField(client, opts.site, field, opts.ids, opts.from ?? null)
        }
        return out
      }).catch((error: unknown) => {
        throw (error as { code?: string }).code ? explainTargetError(error, opts.targetUrl) : error
      })
      const released = Object.values(result).reduce((n, nids) => n + (nids?.length ?? 0), 0)
      await finishRun(target.pool, run.id, 'succeeded', { released })
      return { runId: run.id, released: result }
    } catch (error) {
      await finishRun(target.pool, run.id, 'failed', {}, { error: (error as Error).message }).catch(
        () => undefined,
      )
      throw error
    } finally {
      await run.release()
    }
  } finally {
    await target.close()
  }
}

/** `dhm status --owned`: how many articles hold each owned field edited in the target. */
export async function readOwnedEdits(
  targetUrl: string,
  site: string,
  owned: OwnedFields,
): Promise<OwnedEditCounts> {
  const target = await openTarget(targetUrl)
  try {
    return await countOwnedEdits(target.pool, site, owned).catch((error: unknown) => {
      throw explainTargetError(error, targetUrl)
    })
  } finally {
    await target.close()
  }
}
