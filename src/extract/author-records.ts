import type { RowDataPacket } from 'mysql2/promise'
import type { CompiledAuthorRecords } from '../mapping/compile-relations.js'
import type { D7Author, D7FieldItem, D7File } from './d7-types.js'
import { collectRefIds } from './entity-refs.js'
import { quoteIdent } from './source-db.js'

type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>

/** The uids a batch's author records point at: the mapping's author source of every node. */
export function collectAuthorUids(
  config: CompiledAuthorRecords,
  nodes: readonly Readonly<Record<string, unknown>>[],
  fieldsOf: (nid: number) => Readonly<Record<string, readonly D7FieldItem[]>>,
  revisionUids: ReadonlyMap<number, number>,
): Set<number> {
  const out = new Set<number>()
  for (const n of nodes) collectRefIds([config.source], n, fieldsOf(Number(n.nid)), out)
  for (const uid of revisionUids.values()) if (uid > 0) out.add(uid)
  return out
}

/** The uids one node's author records point at (its source fingerprint covers only those users). */
export function nodeAuthorUids(
  config: CompiledAuthorRecords,
  node: Readonly<Record<string, unknown>>,
  fields: Readonly<Record<string, readonly D7FieldItem[]>>,
  revisionUid: number | undefined,
): Set<number> {
  const out = new Set<number>()
  collectRefIds([config.source], node, fields, out)
  if (revisionUid !== undefined && revisionUid > 0) out.add(revisionUid)
  return out
}

/** node_revision.uid of each node's current revision (vid → uid), one query per batch. */
export async function readRevisionUids(query: Query, vids: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>()
  if (vids.length === 0) return out
  for (const r of await query('SELECT vid, uid FROM {node_revision} WHERE vid IN (?)', [vids])) {
    out.set(Number(r.vid), Number(r.uid))
  }
  return out
}

/**
 * Users as author records (name, status, display name, picture), three queries at most whatever
 * the number of users: users, the display-name field of the user entity, file_managed. Never the
 * e-mail or the password hash. A uid without a users row is simply absent (a placeholder later).
 */
export async function readAuthors(
  query: Query,
  uids: ReadonlySet<number>,
  config: CompiledAuthorRecords,
): Promise<Record<number, D7Author>> {
  const out: Record<number, D7Author> = {}
  if (uids.size === 0) return out
  const users = await query('SELECT uid, name, status, picture FROM {users} WHERE uid IN (?)', [[...uids]])
  const names = new Map<number, string>()
  if (config.displayName && users.length > 0) {
    const { field, column } = config.displayName
    // A user field is not translatable in practice; und first, then any language, delta 0.
    for (const r of await query(
      `SELECT entity_id, ${quoteIdent(`${field}_${column}`)} AS v FROM ${quoteIdent(`field_data_${field}`)}
       WHERE entity_type = 'user' AND deleted = 0 AND delta = 0 AND entity_id IN (?)
       ORDER BY entity_id, language = 'und' DESC, language`,
      [users.map((u) => Number(u.uid))],
    )) {
      const uid = Number(r.entity_id)
      const v = r.v === null || r.v === undefined ? '' : String(r.v).trim()
      if (!names.has(uid) && v !== '') names.set(uid, v)
    }
  }
  const files = new Map<number, D7File>()
  const fids = config.picture ? users.map((u) => Number(u.picture)).filter((f) => f > 0) : []
  if (fids.length > 0) {
    for (const r of await query(
      'SELECT fid, uri, filename, filemime, filesize, status FROM {file_managed} WHERE fid IN (?)',
      [fids],
    )) {
      files.set(Number(r.fid), {
        fid: Number(r.fid),
        uri: String(r.uri),
        filename: String(r.filename),
        filemime: String(r.filemime),
        filesize: Number(r.filesize),
        status: Number(r.status),
      })
    }
  }
  for (const u of users) {
    const uid = Number(u.uid)
    out[uid] = {
      uid,
      name: String(u.name),
      status: Number(u.status),
      displayName: names.get(uid) ?? null,
      picture: config.picture ? (files.get(Number(u.picture)) ?? null) : null,
    }
  }
  return out
}
