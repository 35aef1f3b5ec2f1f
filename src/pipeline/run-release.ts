import { countOwnedEdits, type OwnedEditCounts, releaseOwnedField } from '../load/owned-edits.js'
import { explainTargetError, openTarget } from '../load/target-db.js'
import type { OwnableField } from '../model/owned-fields.js'

export interface ReleaseOptions {
  readonly targetUrl: string
  readonly site: string
  readonly fields: readonly OwnableField[]
  readonly ids: readonly number[]
}

/** Per field, the nids whose edited value went back to what dhm last wrote. */
export type ReleaseResult = Readonly<Partial<Record<OwnableField, readonly number[]>>>

/** `dhm release`: hand owned fields of some articles back to dhm (see releaseOwnedField). */
export async function runRelease(opts: ReleaseOptions): Promise<ReleaseResult> {
  const target = await openTarget(opts.targetUrl)
  try {
    const result: Partial<Record<OwnableField, readonly number[]>> = {}
    for (const field of opts.fields) {
      result[field] = await releaseOwnedField(target.pool, opts.site, field, opts.ids).catch(
        (error: unknown) => {
          throw explainTargetError(error, opts.targetUrl)
        },
      )
    }
    return result
  } finally {
    await target.close()
  }
}

/** `dhm status --owned`: how many articles hold each owned field edited in the target. */
export async function readOwnedEdits(
  targetUrl: string,
  site: string,
  fields: readonly OwnableField[],
): Promise<OwnedEditCounts> {
  const target = await openTarget(targetUrl)
  try {
    return await countOwnedEdits(target.pool, site, fields).catch((error: unknown) => {
      throw explainTargetError(error, targetUrl)
    })
  } finally {
    await target.close()
  }
}
