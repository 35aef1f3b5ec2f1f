import type pg from 'pg'
import { editedInTargetSql, OWNABLE_FIELDS, type OwnableField } from '../model/owned-fields.js'

/** How many articles of one site hold an owned field edited in the target, per field. */
export type OwnedEditCounts = Partial<Record<OwnableField, number>>

/**
 * Count, per field, the site's live articles whose column differs from what dhm last wrote there.
 * One scan of the site's articles (each reads its document once more): `dhm status --owned` asks for
 * it, cron's sync never does.
 */
export async function countOwnedEdits(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  fields: readonly OwnableField[],
): Promise<OwnedEditCounts> {
  if (fields.length === 0) return {}
  const { rows } = await db.query<Record<string, number>>(
    `SELECT ${fields.map((f) => `count(*) FILTER (WHERE ${editedInTargetSql(f, 'a')})::int AS "${f}"`).join(', ')}
     FROM article a WHERE a.site = $1 AND a.deleted_at IS NULL`,
    [site],
  )
  const row = rows[0] ?? {}
  return Object.fromEntries(fields.map((f) => [f, row[f] ?? 0]))
}

/**
 * Hand `field` of these articles back to dhm: the column takes what dhm last wrote there (the
 * document's value), so the field is no longer edited in the target, verify compares it as usual and
 * the next sync of a changed article writes the source's value. Returns the nids it changed.
 */
export async function releaseOwnedField(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  field: OwnableField,
  nids: readonly number[],
): Promise<number[]> {
  const { column, written } = OWNABLE_FIELDS[field]
  const { rows } = await db.query<{ legacy_nid: number }>(
    `UPDATE article a SET ${column} = ${written('a.document', `a.${column}`)}
     WHERE a.site = $1 AND a.legacy_nid = ANY($2::int[]) AND ${editedInTargetSql(field, 'a')}
     RETURNING a.legacy_nid`,
    [site, [...nids]],
  )
  return rows.map((r) => r.legacy_nid).sort((a, b) => a - b)
}
