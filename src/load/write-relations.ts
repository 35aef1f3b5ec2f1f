import type pg from 'pg'
import type { AuthorRecord, FileRef } from '../model/article.js'
import { UPSERT_FILES } from './media-files.js'
import type { WrittenArticle } from './write-redirects.js'

/**
 * An author row from what the source says of a user: upserted by (site, legacy_uid), written only
 * when something differs. The picture is a media_file row (upserted first, as for article images).
 */
export const UPSERT_AUTHORS = `
INSERT INTO author (site, legacy_uid, name, display_name, status, picture_file_id)
SELECT $1, u.uid, u.name, u.display_name, u.status,
  (SELECT f.id FROM media_file f WHERE f.site = $1 AND f.legacy_fid = u.picture_fid)
FROM jsonb_to_recordset($2::jsonb) AS u(uid int, name text, display_name text, status text, picture_fid int)
-- As for files (media-files.ts): authors the target holds as they are are not proposed (no row lock).
WHERE NOT EXISTS (SELECT 1 FROM author x WHERE x.site = $1 AND x.legacy_uid = u.uid
  AND (x.name, x.display_name, x.status, x.picture_file_id) IS NOT DISTINCT FROM (u.name, u.display_name, u.status,
    (SELECT f.id FROM media_file f WHERE f.site = $1 AND f.legacy_fid = u.picture_fid)))
ON CONFLICT (site, legacy_uid) DO UPDATE SET name = excluded.name, display_name = excluded.display_name,
  status = excluded.status, picture_file_id = excluded.picture_file_id
WHERE (author.name, author.display_name, author.status, author.picture_file_id)
  IS DISTINCT FROM (excluded.name, excluded.display_name, excluded.status, excluded.picture_file_id)`

/**
 * As for term links (load-batch.ts): a rewritten article's author links are brought to the new
 * lists, a link whose article, role, position and author are unchanged left alone (a renamed user
 * rewrites all their articles, whose links stay the same). $1: the updated articles; $2..$5: the new
 * links (article, role, position, uid); $6: the site.
 */
const STALE_AUTHOR_LINKS_DELETE = `
DELETE FROM article_author x WHERE x.article_id = ANY($1::int[])
  AND NOT EXISTS (SELECT 1 FROM unnest($2::int[], $3::text[], $4::int[], $5::int[]) AS l(article_id, role, position, uid)
                  JOIN author a ON a.site = $6 AND a.legacy_uid = l.uid
                  WHERE l.article_id = x.article_id AND l.role = x.role::text AND l.position = x.position
                    AND a.id = x.author_id)`
const INSERT_AUTHOR_LINKS = `
INSERT INTO article_author (article_id, role, position, author_id)
SELECT l.article_id, l.role::author_role, l.position, a.id
FROM unnest($2::int[], $3::text[], $4::int[], $5::int[]) AS l(article_id, role, position, uid)
JOIN author a ON a.site = $1 AND a.legacy_uid = l.uid
ON CONFLICT (article_id, role, position) DO NOTHING`

const DELETE_REFERENCES = 'DELETE FROM article_reference WHERE article_id = ANY($1::int[])'
// Targets already in the target are resolved at once; the others (forward references, targets not
// migrated) stay null until the end-of-run pass (src/load/resolve-references.ts).
const INSERT_REFERENCES = `
INSERT INTO article_reference (article_id, field, delta, kind, target_legacy_id,
  target_article_id, target_author_id, target_term_id)
SELECT r.article_id, r.field, r.delta, r.kind::reference_kind, r.target,
  CASE WHEN r.kind = 'node' THEN (SELECT t.id FROM article t
    WHERE t.site = $1 AND t.legacy_nid = r.target AND t.deleted_at IS NULL) END,
  CASE WHEN r.kind = 'user' THEN (SELECT t.id FROM author t WHERE t.site = $1 AND t.legacy_uid = r.target) END,
  CASE WHEN r.kind = 'term' THEN (SELECT t.id FROM term t WHERE t.site = $1 AND t.legacy_tid = r.target) END
FROM unnest($2::int[], $3::text[], $4::int[], $5::text[], $6::int[]) AS r(article_id, field, delta, kind, target)`

const DELETE_BLOCKS = 'DELETE FROM block WHERE article_id = ANY($1::int[])'
const INSERT_BLOCKS = `
INSERT INTO block (article_id, ordinal, parent_ordinal, entity_type, legacy_item_id, legacy_revision_id,
  field, delta, type, data)
SELECT b.article_id, b.ordinal, b.parent_ordinal, b.entity_type, b.item_id, b.revision_id, b.field,
  b.delta, b.type, b.data
FROM jsonb_to_recordset($1::jsonb) AS b(article_id int, ordinal int, parent_ordinal int, entity_type text,
  item_id int, revision_id int, field text, delta int, type text, data jsonb)`

/**
 * Write the author records, references and blocks of the articles a batch wrote, in the batch's
 * transaction (called next to writeRedirects). All are part of the content hash, so an unchanged
 * article's rows are unchanged and not touched; a new article has none to remove. Nothing at all is
 * done for a mapping without `authorRecords`, `references` and `blocks` (its articles have none of the keys).
 */
export async function writeRelations(
  client: pg.ClientBase,
  site: string,
  written: readonly WrittenArticle[],
): Promise<void> {
  const withAuthors = written.filter((w) => w.article.authorRecords !== undefined)
  const withReferences = written.filter((w) => w.article.references !== undefined)
  if (withAuthors.length > 0) await writeAuthors(client, site, withAuthors)
  if (withReferences.length > 0) await writeReferences(client, site, withReferences)
  const withBlocks = written.filter((w) => w.article.blocks !== undefined)
  if (withBlocks.length > 0) await writeBlocks(client, withBlocks)
}

/** An article's blocks replace the ones it had: one row per block, `ordinal` its index in the list. */
async function writeBlocks(client: pg.ClientBase, written: readonly WrittenArticle[]) {
  const updated = written.filter((w) => !w.inserted).map((w) => w.id)
  if (updated.length > 0) await client.query(DELETE_BLOCKS, [updated])
  const rows = written.flatMap((w) =>
    (w.article.blocks ?? []).map((b, ordinal) => ({
      article_id: w.id,
      ordinal,
      parent_ordinal: b.parent,
      entity_type: b.entity,
      item_id: b.itemId,
      revision_id: b.revisionId,
      field: b.field,
      delta: b.delta,
      type: b.type,
      data: b.data,
    })),
  )
  if (rows.length > 0) await client.query(INSERT_BLOCKS, [JSON.stringify(rows)])
}

async function writeAuthors(client: pg.ClientBase, site: string, written: readonly WrittenArticle[]) {
  const byUid = new Map<number, AuthorRecord>()
  for (const w of written) for (const a of w.article.authorRecords ?? []) byUid.set(a.uid, a)
  await upsertAuthors(client, site, [...byUid.values()])
  const cols: [number[], string[], number[], number[]] = [[], [], [], []]
  for (const w of written) {
    const position = new Map<string, number>()
    for (const a of w.article.authorRecords ?? []) {
      const p = position.get(a.role) ?? 0
      position.set(a.role, p + 1)
      cols[0].push(w.id)
      cols[1].push(a.role)
      cols[2].push(p)
      cols[3].push(a.uid)
    }
  }
  const updated = written.filter((w) => !w.inserted).map((w) => w.id)
  if (updated.length > 0) await client.query(STALE_AUTHOR_LINKS_DELETE, [updated, ...cols, site])
  if (cols[0].length > 0) await client.query(INSERT_AUTHOR_LINKS, [site, ...cols])
}

/**
 * Upsert author rows (and their pictures as media_file rows), in uid order so that concurrent
 * writers lock them in the same order. Shared by the batch writer and the end-of-run pass.
 */
export async function upsertAuthors(
  client: Pick<pg.ClientBase, 'query'>,
  site: string,
  authors: readonly AuthorRecord[],
): Promise<void> {
  if (authors.length === 0) return
  const sorted = [...authors].sort((a, b) => a.uid - b.uid)
  const pictures = new Map<number, FileRef>()
  for (const a of sorted) if (a.picture) pictures.set(a.picture.fid, a.picture)
  if (pictures.size > 0) {
    const files = [...pictures.values()].sort((a, b) => a.fid - b.fid)
    await client.query(UPSERT_FILES, [site, JSON.stringify(files)])
  }
  const rows = sorted.map((a) => ({
    uid: a.uid,
    name: a.name,
    display_name: a.displayName,
    status: a.status,
    picture_fid: a.picture?.fid ?? null,
  }))
  await client.query(UPSERT_AUTHORS, [site, JSON.stringify(rows)])
}

async function writeReferences(client: pg.ClientBase, site: string, written: readonly WrittenArticle[]) {
  const updated = written.filter((w) => !w.inserted).map((w) => w.id)
  if (updated.length > 0) await client.query(DELETE_REFERENCES, [updated])
  const cols: [number[], string[], number[], string[], number[]] = [[], [], [], [], []]
  for (const w of written) {
    for (const r of w.article.references ?? []) {
      cols[0].push(w.id)
      cols[1].push(r.field)
      cols[2].push(r.delta)
      cols[3].push(r.kind)
      cols[4].push(r.id)
    }
  }
  if (cols[0].length > 0) await client.query(INSERT_REFERENCES, [site, ...cols])
}
