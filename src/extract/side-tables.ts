import type { RowDataPacket } from 'mysql2/promise'
import { type BucketChecksums, checksumsOf } from './changed-nodes.js'
import { querySource, quoteIdent, type SourceConnection } from './source-db.js'
import { tableRef } from './table-prefix.js'

/**
 * Ids per checksum bucket of the side tables without a timestamp (url_alias by the nid of its
 * source, users by uid). Small enough that one edited alias re-reads about a thousand nodes, large
 * enough that the checksums a sync stores stay small (1,000 entries for a million nids).
 */
export const SIDE_BUCKET_SIZE = 1000

/** An inclusive id interval [lo, hi]. */
export type IdWindow = readonly [number, number]

/** The id window of a bucket number. */
export function bucketWindow(bucket: number, size = SIDE_BUCKET_SIZE): IdWindow {
  return [bucket * size, bucket * size + size - 1]
}

/**
 * url_alias has no timestamp and pathauto rewrites aliases in place or deletes and re-creates them:
 * one grouped scan gives a checksum per bucket of node ids (`node/<nid>` sources), over pid, alias
 * and language, so any such edit changes its bucket's checksum.
 */
export async function readAliasChecksums(conn: SourceConnection, url: string): Promise<BucketChecksums> {
  const rows = await querySource<RowDataPacket>(
    conn,
    url,
    `SELECT CAST(SUBSTRING(source, 6) AS UNSIGNED) DIV ? AS b, COUNT(*) AS n,
       SUM(CRC32(CONCAT_WS(':', pid, alias, language))) AS s
     FROM {url_alias} WHERE source LIKE 'node/%' GROUP BY b`,
    [SIDE_BUCKET_SIZE],
  )
  return checksumsOf(rows)
}

/**
 * users has no `changed` column: a checksum of uid:name per bucket of uids. With `authors` (the
 * mapping has authorRecords) also over what an author record holds: status, picture and the
 * display-name field of the user entity (its value at delta 0).
 */
export async function readUserChecksums(
  conn: SourceConnection,
  url: string,
  authors?: { readonly displayName: { readonly field: string; readonly column: string } | null },
): Promise<BucketChecksums> {
  if (authors) {
    const d = authors.displayName
    const join = d
      ? ` LEFT JOIN ${quoteIdent(`field_data_${d.field}`)} f ON f.entity_type = 'user' AND f.entity_id = u.uid
           AND f.delta = 0 AND f.deleted = 0`
      : ''
    const value = d ? `, GROUP_CONCAT(f.${quoteIdent(`${d.field}_${d.column}`)} ORDER BY f.language)` : ''
    const rows = await querySource<RowDataPacket>(
      conn,
      url,
      `SELECT b, COUNT(*) AS n, SUM(c) AS s FROM (
         SELECT u.uid DIV ? AS b, CRC32(CONCAT_WS(':', u.uid, u.name, u.status, u.picture${value})) AS c
         FROM {users} u${join} GROUP BY u.uid) x GROUP BY b`,
      [SIDE_BUCKET_SIZE],
    )
    return checksumsOf(rows)
  }
  const rows = await querySource<RowDataPacket>(
    conn,
    url,
    `SELECT uid DIV ? AS b, COUNT(*) AS n, SUM(CRC32(CONCAT(uid, ':', name))) AS s FROM {users} GROUP BY b`,
    [SIDE_BUCKET_SIZE],
  )
  return checksumsOf(rows)
}

/** Terms by tid, as the extractor reads them (name and vocabulary machine name). */
export async function readTerms(
  conn: SourceConnection,
  url: string,
  tids: readonly number[],
): Promise<Map<number, { readonly name: string; readonly vocabulary: string }>> {
  const out = new Map<number, { name: string; vocabulary: string }>()
  for (let i = 0; i < tids.length; i += CHUNK) {
    for (const r of await querySource<RowDataPacket>(
      conn,
      url,
      `SELECT t.tid, t.name, v.machine_name AS vocabulary
       FROM {taxonomy_term_data} t JOIN {taxonomy_vocabulary} v ON v.vid = t.vid WHERE t.tid IN (?)`,
      [tids.slice(i, i + CHUNK)],
    )) {
      out.set(Number(r.tid), { name: String(r.name), vocabulary: String(r.vocabulary) })
    }
  }
  return out
}

/**
 * Files saved at or after `since` (file_managed.timestamp, indexed; Drupal's file_save sets it, also
 * when a file is replaced under the same fid), with the newest of those timestamps.
 */
export async function readChangedFiles(
  conn: SourceConnection,
  url: string,
  since: number,
): Promise<{ fids: number[]; newestStamp: number | null }> {
  const rows = await querySource<RowDataPacket>(
    conn,
    url,
    'SELECT fid, timestamp FROM {file_managed} WHERE timestamp >= ?',
    [since],
  )
  let newest: number | null = null
  for (const r of rows) newest = Math.max(newest ?? 0, Number(r.timestamp))
  return { fids: rows.map((r) => Number(r.fid)), newestStamp: newest }
}

/** The aliases of these nodes (url_alias.source `node/<nid>`, indexed), by nid. */
export async function readAliasesOf(
  conn: SourceConnection,
  url: string,
  nids: readonly number[],
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  for (let i = 0; i < nids.length; i += CHUNK) {
    for (const r of await querySource<RowDataPacket>(
      conn,
      url,
      'SELECT source, alias FROM {url_alias} WHERE source IN (?)',
      [nids.slice(i, i + CHUNK).map((nid) => `node/${nid}`)],
    )) {
      const nid = Number(String(r.source).slice(5))
      const list = out.get(nid) ?? []
      list.push(String(r.alias))
      out.set(nid, list)
    }
  }
  return out
}

/** The highest fid: a changed file at or below a previous sync's is a file replaced, not a new upload. */
export async function readMaxFid(conn: SourceConnection, url: string): Promise<number> {
  const [row] = await querySource<RowDataPacket>(
    conn,
    url,
    'SELECT COALESCE(MAX(fid), 0) AS m FROM {file_managed}',
    [],
  )
  return Number(row?.m ?? 0)
}

/** Nodes of the mapped bundles whose `node.<column>` (`nid`, `uid`) lies in one of the windows. */
export async function readNidsByNodeColumn(
  conn: SourceConnection,
  url: string,
  bundles: readonly string[],
  column: string,
  windows: readonly IdWindow[],
): Promise<number[]> {
  const col = quoteIdent(column)
  const out: number[] = []
  for (let i = 0; i < windows.length; i += WINDOWS_PER_QUERY) {
    const part = windows.slice(i, i + WINDOWS_PER_QUERY)
    const rows = await querySource<RowDataPacket>(
      conn,
      url,
      `SELECT nid FROM {node} WHERE type IN (?) AND (${part.map(() => `${col} BETWEEN ? AND ?`).join(' OR ')})`,
      [bundles, ...part.flat()],
    )
    for (const r of rows) out.push(Number(r.nid))
  }
  return out
}

/** Nodes of the mapped bundles whose current revision's user (node_revision.uid) lies in one of the windows. */
export async function readNidsByRevisionUid(
  conn: SourceConnection,
  url: string,
  bundles: readonly string[],
  windows: readonly IdWindow[],
): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < windows.length; i += WINDOWS_PER_QUERY) {
    const part = windows.slice(i, i + WINDOWS_PER_QUERY)
    const rows = await querySource<RowDataPacket>(
      conn,
      url,
      `SELECT n.nid FROM {node} n JOIN {node_revision} r ON r.vid = n.vid
       WHERE n.type IN (?) AND (${part.map(() => 'r.uid BETWEEN ? AND ?').join(' OR ')})`,
      [bundles, ...part.flat()],
    )
    for (const r of rows) out.push(Number(r.nid))
  }
  return out
}

/**
 * Nodes that have a row in a field table whose `column` holds one of `values` (D7 indexes the fid,
 * value and reference columns of field tables) or, with `windows`, lies in one of them; with
 * `currentRevision` (a field_revision_* table) only rows of the node's current revision count.
 */
export async function readNidsByFieldValue(
  conn: SourceConnection,
  url: string,
  table: string,
  column: string,
  currentRevision: boolean,
  match: { readonly values: readonly (number | string)[] } | { readonly windows: readonly IdWindow[] },
): Promise<number[]> {
  const col = `f.${quoteIdent(column)}`
  const join = currentRevision ? ' JOIN {node} n ON n.nid = f.entity_id AND n.vid = f.revision_id' : ''
  const from = `SELECT DISTINCT f.entity_id AS nid FROM ${tableRef(table)} f${join}
    WHERE f.entity_type = 'node' AND f.deleted = 0 AND`
  const out: number[] = []
  if ('values' in match) {
    for (let i = 0; i < match.values.length; i += CHUNK) {
      for (const r of await querySource<RowDataPacket>(conn, url, `${from} ${col} IN (?)`, [
        match.values.slice(i, i + CHUNK),
      ])) {
        out.push(Number(r.nid))
      }
    }
    return out
  }
  for (let i = 0; i < match.windows.length; i += WINDOWS_PER_QUERY) {
    const part = match.windows.slice(i, i + WINDOWS_PER_QUERY)
    const rows = await querySource<RowDataPacket>(
      conn,
      url,
      `${from} (${part.map(() => `${col} BETWEEN ? AND ?`).join(' OR ')})`,
      part.flat(),
    )
    for (const r of rows) out.push(Number(r.nid))
  }
  return out
}

const CHUNK = 10_000
const WINDOWS_PER_QUERY = 200
