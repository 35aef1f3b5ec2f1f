import type { D7Author, D7NodeBundle } from '../extract/d7-types.js'
import {
  type CompiledAuthorRecords,
  type CompiledReference,
  REFERENCE_ID_COLUMNS,
} from '../mapping/compile-relations.js'
import type { SourcePath } from '../mapping/source-path.js'
import type { AuthorRecord, FileRef, Reference } from '../model/article.js'
import { type FileBaseUrls, publishedFileUrl } from './content/file-urls.js'

/**
 * The author records of a node: the users its author source points at, in delta order (node.uid:
 * one), then the current revision's user (role revision). uid 0 (anonymous) is no author. A uid
 * without a users row becomes a placeholder (status deleted, no name), with a warning: blocked and
 * deleted users stay authors of their articles. Pure.
 */
export function authorRecordsOf(
  node: D7NodeBundle,
  config: CompiledAuthorRecords,
  files: FileBaseUrls,
  warn: (reason: string) => void,
): AuthorRecord[] {
  const out: AuthorRecord[] = []
  const add = (uid: number, role: string) => {
    if (!Number.isInteger(uid) || uid <= 0) return
    const user = node.authors?.[uid]
    if (!user) warn(`user ${uid} (${role}) has no users row: kept as a placeholder author (status deleted)`)
    out.push(toAuthorRecord(uid, role, user, files))
  }
  for (const uid of resolveSourcePathIds(config.source, node, REFERENCE_ID_COLUMNS.user)) add(uid, 'author')
  if (config.revision && node.revisionUid !== undefined && node.revisionUid !== null)
    add(node.revisionUid, 'revision')
  return out
}

/** One user as an author record; without its users row, a placeholder (status deleted, no name). */
export function toAuthorRecord(
  uid: number,
  role: string,
  user: D7Author | undefined,
  files: FileBaseUrls,
): AuthorRecord {
  if (!user) return { uid, role, name: null, displayName: null, status: 'deleted', picture: null }
  return {
    uid,
    role,
    name: user.name,
    displayName: user.displayName,
    status: user.status === 1 ? 'active' : 'blocked',
    picture: pictureOf(user, files),
  }
}

function pictureOf(user: D7Author, files: FileBaseUrls): FileRef | null {
  const f = user.picture
  // A temporary:// file is never published (as for file fields); an empty uri is no file.
  if (!f || f.uri.trim() === '' || f.uri.startsWith('temporary://')) return null
  return {
    fid: f.fid,
    uri: f.uri,
    url: publishedFileUrl(f.uri, files),
    filename: f.filename,
    mime: f.filemime,
    size: Number(f.filesize),
  }
}

/**
 * The values of the mapping's reference fields, in mapping order then delta order, with the D7
 * delta kept (gaps included). Values that are no id (0, empty) are left out. Pure.
 */
export function referencesOf(node: D7NodeBundle, references: readonly CompiledReference[]): Reference[] {
  const out: Reference[] = []
  for (const r of references) {
    const columns = REFERENCE_ID_COLUMNS[r.kind]
    for (const item of node.fields[r.field] ?? []) {
      const column = columns.find((c) => item.values[c] !== null && item.values[c] !== undefined)
      const id = column === undefined ? Number.NaN : Number(item.values[column])
      if (Number.isInteger(id) && id > 0) out.push({ field: r.field, delta: item.delta, kind: r.kind, id })
    }
  }
  return out
}

/**
 * The positive integer ids a source path yields for a node, in delta order: a node column
 * (node.uid), a field column (field_authors.target_id), or whole field items, whose id is the
 * first of `columns` the item holds.
 */
export function resolveSourcePathIds(
  path: SourcePath,
  node: D7NodeBundle,
  columns: readonly string[],
): number[] {
  const raw: unknown[] = []
  if (path.kind === 'node') raw.push(node[path.column])
  else if (path.kind === 'field') {
    for (const item of node.fields[path.field] ?? []) {
      const column =
        path.column ?? columns.find((c) => item.values[c] !== null && item.values[c] !== undefined)
      raw.push(column === undefined ? null : item.values[column])
    }
  }
  return raw.map(Number).filter((n) => Number.isInteger(n) && n > 0)
}
