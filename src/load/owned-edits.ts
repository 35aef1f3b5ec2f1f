import type pg from 'pg'
import {
  editedInTargetSql,
  OWNABLE_FIELDS,
  type OwnableField,
  type OwnableSpec,
  type OwnedFields,
} from '../model/owned-fields.js'

/** How many articles of one site hold an owned field edited in the target, per field. */
export type OwnedEditCounts = Partial<Record<OwnableField, number>>

/**
 * Count, per field, the site's live articles whose field differs from what dhm last wrote there.
 * One scan of the site's articles (each reads its document once more): `dhm status --owned` asks for
 * it, cron's sync never does.
 */
export async function countOwnedEdits(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  owned: OwnedFields,
): Promise<OwnedEditCounts> {
  const { fields, from } = owned
  if (fields.length === 0) return {}
  const { rows } = await db.query<Record<string, number>>(
    `SELECT ${fields.map((f) => `count(*) FILTER (WHERE ${editedInTargetSql(f, 'a', from)})::int AS "${f}"`).join(', ')}
     FROM article a WHERE a.site = $1 AND a.deleted_at IS NULL`,
    [site],
  )
  const row = rows[0] ?? {}
  return Object.fromEntries(fields.map((f) => [f, row[f] ?? 0]))
}

/**
 * Hand `field` of these articles back to dhm: the field takes what dhm last wrote there (the
 * document's value: its columns, or for a term list its links), so the field is no longer edited in
 * the target, verify compares it as usual and the next sync of a changed article writes the
 * source's value. Runs in the caller's transaction (tagged by `dhm release` as its run, so that
 * `dhm rollback` of that run gives the editor's value back). Returns the nids it changed.
 */
export async function releaseOwnedField(
  db: Pick<pg.ClientBase, 'query'>,
  site: string,
  field: OwnableField,
  nids: readonly number[],
  from: string | null = null,
): Promise<number[]> {
  const spec: OwnableSpec = OWNABLE_FIELDS[field]
  const edited = editedInTargetSql(field, 'a', from)
  if (spec.kind === 'columns') {
    const { rows } = await db.query<{ legacy_nid: number }>(
      `UPDATE article a SET ${spec.columns.map((c) => `${c.column} = ${c.written('a')}`).join(', ')}
       WHERE a.site = $1 AND a.legacy_nid = ANY($2::int[]) AND ${edited}
       RETURNING a.legacy_nid`,
      [site, [...nids]],
    )
    return rows.map((r) => r.legacy_nid).sort((a, b) => a - b)
  }
  // A term list: the links of that role go back to the terms the document lists, in its order.
  const { rows } = await db.query<{ id: number; legacy_nid: number }>(
    `SELECT a.id, a.legacy_nid FROM article a
     WHERE a.site = $1 AND a.legacy_nid = ANY($2::int[]) AND ${edited}`,
    [site, [...nids]],
  )
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  await db.query(`DELETE FROM article_term WHERE article_id = ANY($1::int[]) AND role = $2::term_role`, [
    ids,
    spec.role,
  ])
  await db.query(
    `INSERT INTO article_term (article_id, role, position, term_id)
     SELECT a.id, $2::term_role, (e.i - 1)::int, t.id
     FROM article a, jsonb_array_elements(a.document->'${spec.attribute}') WITH ORDINALITY e(v, i)
     JOIN term t ON t.legacy_tid = (e.v->>'tid')::int
     WHERE a.id = ANY($1::int[]) AND t.site = a.site`,
    [ids, spec.role],
  )
  return rows.map((r) => r.legacy_nid).sort((a, b) => a - b)
}
