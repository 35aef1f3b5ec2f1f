// What editors do to a live Drupal 7 site, as plain SQL on a test's own MariaDB database: the sync
// tests play the editors. Nothing here calls the tool's code.

import mysql from 'mysql2/promise'
import pg from 'pg'
import { serialize, unserialize } from 'php-serialize'

export type Conn = mysql.Connection

export async function connectMaria(url: string): Promise<Conn> {
  return mysql.createConnection({ uri: url, charset: 'utf8mb4_general_ci', supportBigNumbers: true })
}

export async function rows<T>(conn: Conn, sql: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await conn.query(sql, params)
  return result as T[]
}

/** Article nids matching a condition on node `n`, ascending. */
export async function articleNids(conn: Conn, where = '1 = 1', params: unknown[] = []): Promise<number[]> {
  const result = await rows<{ nid: number }>(
    conn,
    `SELECT n.nid FROM node n WHERE n.type = 'article' AND ${where} ORDER BY n.nid`,
    params,
  )
  return result.map((r) => Number(r.nid))
}

/** An editor changes the title: node + its current revision, and node.changed moves. */
export async function editTitle(
  conn: Conn,
  nid: number,
  changed: number,
  suffix = ' (updated)',
): Promise<void> {
  await conn.query('UPDATE node SET title = CONCAT(title, ?), changed = ? WHERE nid = ?', [
    suffix,
    changed,
    nid,
  ])
  await conn.query(
    'UPDATE node_revision r JOIN node n ON n.vid = r.vid SET r.title = n.title, r.timestamp = ? WHERE n.nid = ?',
    [changed, nid],
  )
}

/** An editor moves the article to another section (delta 0 of field_website_sections). */
export async function changeSection(conn: Conn, nid: number, changed: number): Promise<void> {
  const [current] = await rows<{ tid: number }>(
    conn,
    `SELECT f.field_website_sections_tid AS tid FROM field_revision_field_website_sections f
     JOIN node n ON n.nid = f.entity_id AND n.vid = f.revision_id WHERE n.nid = ? AND f.delta = 0`,
    [nid],
  )
  if (!current) throw new Error(`node ${nid} has no section`)
  const [other] = await rows<{ tid: number }>(
    conn,
    `SELECT DISTINCT field_website_sections_tid AS tid FROM field_revision_field_website_sections
     WHERE field_website_sections_tid <> ? ORDER BY tid LIMIT 1`,
    [current.tid],
  )
  for (const table of ['field_revision_field_website_sections', 'field_data_field_website_sections']) {
    await conn.query(
      `UPDATE ${table} f JOIN node n ON n.nid = f.entity_id AND n.vid = f.revision_id
       SET f.field_website_sections_tid = ? WHERE n.nid = ? AND f.delta = 0`,
      [other?.tid, nid],
    )
  }
  await conn.query('UPDATE node SET changed = ? WHERE nid = ?', [changed, nid])
}

export async function setStatus(conn: Conn, nid: number, status: 0 | 1, changed: number): Promise<void> {
  await conn.query('UPDATE node SET status = ?, changed = ? WHERE nid = ?', [status, changed, nid])
  await conn.query('UPDATE node_revision r JOIN node n ON n.vid = r.vid SET r.status = ? WHERE n.nid = ?', [
    status,
    nid,
  ])
}

/** A workflow transition: only workflow_node moves (sid + stamp), node.changed does not. */
export async function moveWorkflow(conn: Conn, nid: number, sid: number, stamp: number): Promise<void> {
  await conn.query('UPDATE workflow_node SET sid = ?, stamp = ? WHERE nid = ?', [sid, stamp, nid])
}

/** The publication date moves; nothing else does (publication_date has no timestamp). */
export async function movePublicationDate(conn: Conn, nid: number, seconds: number): Promise<void> {
  await conn.query('UPDATE publication_date SET published_at = published_at + ? WHERE nid = ?', [
    seconds,
    nid,
  ])
}

/** Drupal's node_delete: the node, its revisions and every field row go. */
export async function deleteNode(conn: Conn, nid: number): Promise<void> {
  for (const table of await fieldTables(conn)) {
    await conn.query(`DELETE FROM ${table} WHERE entity_type = 'node' AND entity_id = ?`, [nid])
  }
  for (const table of ['node_revision', 'workflow_node', 'publication_date', 'node']) {
    await conn.query(`DELETE FROM ${table} WHERE nid = ?`, [nid])
  }
  await conn.query('DELETE FROM url_alias WHERE source = ?', [`node/${nid}`])
}

/**
 * A new article: a copy of `templateNid` (current revision and every field row) under a new nid
 * and vid, created and changed at `changed`. Returns the new nid.
 */
export async function addArticleLike(conn: Conn, templateNid: number, changed: number, title: string) {
  const [ids] = await rows<{ nid: number; vid: number }>(
    conn,
    'SELECT (SELECT MAX(nid) FROM node) + 1 AS nid, (SELECT MAX(vid) FROM node_revision) + 1 AS vid',
  )
  const nid = Number(ids?.nid)
  const vid = Number(ids?.vid)
  const [template] = await rows<{ vid: number }>(conn, 'SELECT vid FROM node WHERE nid = ?', [templateNid])
  const oldVid = Number(template?.vid)
  await copyRows(conn, 'node', 'nid = ?', [templateNid], { nid, vid, title, created: changed, changed })
  await copyRows(conn, 'node_revision', 'vid = ?', [oldVid], { nid, vid, title, timestamp: changed })
  await copyRows(conn, 'workflow_node', 'nid = ?', [templateNid], { nid, stamp: changed })
  await copyRows(conn, 'publication_date', 'nid = ?', [templateNid], { nid })
  for (const table of await fieldTables(conn)) {
    await copyRows(
      conn,
      table,
      "entity_type = 'node' AND entity_id = ? AND revision_id = ?",
      [templateNid, oldVid],
      { entity_id: nid, revision_id: vid },
    )
  }
  return nid
}

// Edits that do not save any node: node.changed stays where it was.

/** A term renamed in the taxonomy UI: only taxonomy_term_data.name changes. */
export async function renameTerm(conn: Conn, tid: number, name: string): Promise<void> {
  await conn.query('UPDATE taxonomy_term_data SET name = ? WHERE tid = ?', [name, tid])
}

/** admin/config/search/path: the node's newest alias is edited in place (same pid). */
export async function editAlias(conn: Conn, nid: number, alias: string): Promise<void> {
  await conn.query('UPDATE url_alias SET alias = ? WHERE source = ? ORDER BY pid DESC LIMIT 1', [
    alias,
    `node/${nid}`,
  ])
}

/**
 * pathauto's bulk update ("create a new alias, leave the existing one"): a new url_alias row, so the
 * node's slug changes and its former alias must become a redirect.
 */
export async function addAlias(conn: Conn, nid: number, alias: string, language = 'und'): Promise<void> {
  await conn.query('INSERT INTO url_alias (source, alias, language) VALUES (?, ?, ?)', [
    `node/${nid}`,
    alias,
    language,
  ])
}

/** A file replaced under the same fid (file_save): uri, filename, size and timestamp change. */
export async function replaceFile(conn: Conn, fid: number, stamp: number): Promise<void> {
  await conn.query(
    `UPDATE file_managed SET uri = CONCAT(uri, '.v2.jpg'), filename = CONCAT(filename, '.v2.jpg'),
       filesize = filesize + 1, timestamp = ? WHERE fid = ?`,
    [stamp, fid],
  )
}

/** A user renamed in admin/people (users has no changed column). */
export async function renameUser(conn: Conn, uid: number, name: string): Promise<void> {
  await conn.query('UPDATE users SET name = ? WHERE uid = ?', [name, uid])
}

/** A list field's allowed value relabelled (field_config.data, PHP-serialized) in the field UI. */
export async function setAllowedValueLabel(conn: Conn, field: string, key: string, label: string) {
  const [row] = await rows<{ data: Buffer | string }>(
    conn,
    'SELECT data FROM field_config WHERE field_name = ?',
    [field],
  )
  if (!row) throw new Error(`no field_config row for ${field}`)
  const data = unserialize(Buffer.isBuffer(row.data) ? row.data.toString('utf8') : row.data) as {
    settings: { allowed_values: Record<string, string> }
  }
  data.settings.allowed_values[key] = label
  await conn.query('UPDATE field_config SET data = ? WHERE field_name = ?', [serialize(data), field])
}

async function fieldTables(conn: Conn): Promise<string[]> {
  const result = await rows<{ t: string }>(
    conn,
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()
     AND (table_name LIKE 'field\\_data\\_%' OR table_name LIKE 'field\\_revision\\_%')`,
  )
  return result.map((r) => r.t)
}

async function copyRows(
  conn: Conn,
  table: string,
  where: string,
  params: unknown[],
  overrides: Record<string, unknown>,
): Promise<void> {
  const columns = (
    await rows<{ c: string }>(
      conn,
      `SELECT column_name AS c FROM information_schema.columns
       WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`,
      [table],
    )
  ).map((r) => r.c)
  const values: unknown[] = []
  const select = columns.map((c) => {
    if (!(c in overrides)) return `\`${c}\``
    values.push(overrides[c])
    return '?'
  })
  await conn.query(
    `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')})
     SELECT ${select.join(', ')} FROM \`${table}\` WHERE ${where}`,
    [...values, ...params],
  )
}

/** content_hash of every article of a site on a target, by nid. */
export async function articleHashes(url: string, site = 'bne'): Promise<Map<number, string>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows: result } = await client.query<{ legacy_nid: number; content_hash: string }>(
      'SELECT legacy_nid, content_hash FROM article WHERE site = $1 ORDER BY legacy_nid',
      [site],
    )
    return new Map(result.map((r) => [r.legacy_nid, r.content_hash]))
  } finally {
    await client.end()
  }
}
