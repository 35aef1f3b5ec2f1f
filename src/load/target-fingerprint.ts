import type pg from 'pg'
import { editedInTargetSql, type OwnedFields } from '../model/owned-fields.js'

/**
 * The target fingerprint of an article: a hash Postgres computes over everything
 * read-target-articles.ts reads for it — its columns (document included), its two files' rows, its
 * ordered term links with their terms, its redirects, its author links with their authors and their
 * pictures, its references and blocks (read-target-relations.ts) — so that it changes with any edit made in
 * Postgres, whoever made it. The loader stores it next to the source fingerprint right after it
 * wrote the article (same transaction); a run compares the stored value with the one Postgres
 * computes at that moment (see pipeline/skip-unchanged.ts). Timestamps go in as epoch seconds, so the
 * value does not depend on the session's TimeZone or DateStyle.
 *
 * Version 2 (`f2:` + md5 hex): the two long values enter as 64-bit hashes of their text
 * (`hashtextextended`, Postgres's hash of bytes for hash partitioning, stable across versions): the
 * body, and the document's text. Version 1 put them into the md5 row text as they are; its text output
 * with quoting, and the md5 over ~6 KB an article, were half of Postgres's CPU in a verify
 * (bench/RESULTS.md). jsonb's own `jsonb_hash_extended` would skip the text output too, but it combines
 * its values by rotate-and-xor (two equal values 32 tokens apart cancel out): not good enough to say
 * "unchanged". Migration 20261207200000_target_fingerprint_v2 turned the stored version-1 values that
 * still matched their article into version 2, so an upgrade costs no full compare.
 *
 * Checking it ({@link readTargetFingerprints} and the others) goes by the row-version fingerprint
 * first ({@link VERSION_EXPR}, stored as `article_fingerprint.version`): where the article's row is
 * still the version stored with its fingerprints and its small rows read the same, the stored target
 * fingerprint is the one it computes, and its body and document are not read (half of Postgres's CPU
 * in a verify of a clean 100k target); only the others are computed from their content.
 */
const TARGET_FINGERPRINT_PREFIX = 'f2:'

const ARTICLE_PART = [
  'a.bundle',
  'a.language',
  'a.title',
  'a.slug',
  'a.published',
  'a.workflow_state',
  'a.is_live',
  'a.authors',
  'a.bylines',
  'a.summary',
  'a.social',
  'extract(epoch FROM a.published_at)',
  'a.image_file_id',
  'a.image_caption',
  'a.image_credit',
  'a.image_alt',
  'a.image_title',
  'a.image_width',
  'a.image_height',
  'a.pdf_file_id',
  'a.pdf_description',
  's.body_hash',
  'a.body_summary',
  'a.body_format',
  'a.tracking',
  'a.head_tags',
  'a.body_tags',
  'extract(epoch FROM a.created_at)',
  'extract(epoch FROM a.updated_at)',
  'a.content_hash',
  'a.deleted_at IS NOT NULL',
  's.document_hash',
].join(', ')

const fileRow = (alias: string) =>
  `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE ROW(${alias}.legacy_fid, ${alias}.uri, ${alias}.url, ${alias}.filename, ${alias}.mime, ${alias}.size) END`

/**
 * Paths an article's document lists that another article holds, when the holder lists them too: two
 * articles may claim one alias and the table keeps one row (the last writer wins, write-redirects.ts),
 * and read-target-articles.ts counts such a path as the article's all the same. So does the
 * fingerprint: an article does not change when a later article takes one of its paths over.
 */
/** The redirect paths an article's document lists (`sel.redirects`), one row `d` each. */
const LISTED_PATHS = `jsonb_array_elements(
      CASE WHEN jsonb_typeof(s.redirects) = 'array' THEN s.redirects ELSE '[]'::jsonb END) d`

const YIELDED = yieldedSql(false)

/**
 * {@link YIELDED} for a handful of articles: each listed path looked up by the redirect index.
 * Left to itself, the planner hashes the whole redirect table for the join, which is the cheaper
 * plan for a batch of 2,000 articles (0.3 against 1.4 s at 1M) but 57 of 66 ms for 25 (the content
 * recheck of a verify batch, a sparse sync batch): 12 ms this way. Measured up to 100 articles.
 */
const YIELDED_PROBED = yieldedSql(true)
/** Up to this many articles, {@link YIELDED_PROBED}. */
const PROBE_MAX = 100

function yieldedSql(probe: boolean): string {
  const holder = probe
    ? `CROSS JOIN LATERAL (SELECT r.article_id FROM redirect r WHERE r.site = s.site AND r.source_path = d->>'path'
      AND r.language = d->>'language' AND r.article_id <> s.id OFFSET 0) r`
    : `JOIN redirect r ON r.site = s.site AND r.source_path = d->>'path' AND r.language = d->>'language'
      AND r.article_id <> s.id`
  return `SELECT s.id, ROW(d->>'path', d->>'language', d->>'legacyNid')::text
    FROM sel s
    CROSS JOIN LATERAL ${LISTED_PATHS}
    ${holder}
    JOIN article o ON o.id = r.article_id
    WHERE o.document->'redirects' @> jsonb_build_array(jsonb_build_object('path', d->>'path', 'language', d->>'language'))`
}

/**
 * What both fingerprints read of an article's small rows, one aggregate per article over `sel` (id,
 * site): its ordered term links with their terms, its author links with their authors and pictures,
 * its references, its blocks and its redirects (with `yielded`: also the paths its document lists
 * that another article holds, {@link YIELDED}). A correlated subquery per article cost 6 times as much.
 */
function listCtes(yielded: false | 'joined' | 'probed'): string {
  return `terms AS (
  SELECT at.article_id,
    string_agg(ROW(at.role, at.position, t.legacy_tid, t.name, t.vocabulary)::text, ',' ORDER BY at.role, at.position) AS list
  FROM article_term at JOIN term t ON t.id = at.term_id
  WHERE at.article_id IN (SELECT id FROM sel) GROUP BY at.article_id),
authors AS (
  SELECT aa.article_id,
    string_agg(ROW(aa.role, aa.position, au.legacy_uid, au.name, au.display_name, au.status, ${fileRow('pf')})::text,
      ',' ORDER BY aa.role, aa.position) AS list
  FROM article_author aa JOIN author au ON au.id = aa.author_id
  LEFT JOIN media_file pf ON pf.id = au.picture_file_id
  WHERE aa.article_id IN (SELECT id FROM sel) GROUP BY aa.article_id),
refs AS (
  -- What read-target-relations.ts reads: the resolved target ids are set after the last batch
  -- (pipeline/finish-relations.ts) and are not part of the article as read back.
  SELECT r.article_id,
    string_agg(ROW(r.field, r.delta, r.kind, r.target_legacy_id)::text, ',' ORDER BY r.field, r.delta) AS list
  FROM article_reference r
  WHERE r.article_id IN (SELECT id FROM sel) GROUP BY r.article_id),
blocks AS (
  -- What read-target-relations.ts reads of block.
  SELECT b.article_id,
    string_agg(ROW(b.ordinal, b.parent_ordinal, b.entity_type, b.legacy_item_id, b.legacy_revision_id,
      b.field, b.delta, b.type, b.data)::text, ',' ORDER BY b.ordinal) AS list
  FROM block b
  WHERE b.article_id IN (SELECT id FROM sel) GROUP BY b.article_id),
redirects AS (
  SELECT x.article_id, string_agg(x.item, ',' ORDER BY x.item) AS list
  FROM (
    SELECT r.article_id, ROW(r.source_path, r.language, r.legacy_nid::text)::text AS item
    FROM redirect r WHERE r.article_id IN (SELECT id FROM sel)${
      yielded
        ? `
    UNION
    ${yielded === 'probed' ? YIELDED_PROBED : YIELDED}`
        : ''
    }
  ) x GROUP BY x.article_id)`
}

/** The joins of both fingerprints' final SELECT, from `sel s JOIN article a`. */
const LIST_JOINS = `LEFT JOIN media_file fi ON fi.id = a.image_file_id
LEFT JOIN media_file fp ON fp.id = a.pdf_file_id
LEFT JOIN terms ON terms.article_id = a.id
LEFT JOIN redirects ON redirects.article_id = a.id
LEFT JOIN authors ON authors.article_id = a.id
LEFT JOIN refs ON refs.article_id = a.id
LEFT JOIN blocks ON blocks.article_id = a.id`

/**
 * The row-version fingerprint (`v1:`): the article row's version — `xmin`, the transaction that
 * wrote it, and `ctid`, where that version lies — with the same small rows the target fingerprint
 * reads, as it reads them. Any UPDATE of the row, by anyone, makes a new version with a new xmin
 * and ctid (Postgres never changes a user table's row in place; VACUUM FREEZE keeps the raw xmin),
 * so while an article's row version and small rows are those dhm stored with its fingerprints, its
 * target fingerprint is still the stored one, without reading its body or document. The reverse does
 * not hold (an UPDATE that sets the same values, VACUUM FULL, a dump and restore make new versions):
 * a different version only sends the article to the content fingerprint, never to a verdict.
 */
const VERSION_PREFIX = 'v1:'
const VERSION_EXPR = `'${VERSION_PREFIX}' || md5(ROW(a.xmin, a.ctid, ${fileRow('fi')}, ${fileRow('fp')}, terms.list, redirects.list,
    authors.list, refs.list)::text || COALESCE('B' || blocks.list, ''))`

/**
 * Whether the article holds the redirect row of every path its document lists (`s.redirects`): only
 * then is its row-version fingerprint stored. The version fingerprint reads the article's own
 * redirects only (the paths its document lists are known only by reading the document); while its row
 * and its own redirects are unchanged, an article that held every listed path still does, so its
 * {@link YIELDED} part is still empty. An article that yields a path to another (two articles
 * claiming one alias) is checked by its content fingerprint every time.
 */
const HOLDS_EVERY_PATH = `NOT EXISTS (SELECT 1 FROM ${LISTED_PATHS}
  WHERE NOT EXISTS (SELECT 1 FROM redirect r WHERE r.site = s.site AND r.source_path = d->>'path'
    AND r.language = d->>'language' AND r.article_id = s.id))`

/**
 * The target fingerprints of the articles `where` selects (alias `a`), as rows (id, legacy_nid,
 * target), plus `extra` columns over `a`; with `version`, also the row-version fingerprint to store
 * with it (null for an article that does not hold every path it lists); `few`: `where` selects at
 * most {@link PROBE_MAX} articles (the plan for them). `sel` holds what is read of
 * the long values, so each is decompressed once: the hashes of body and document, the document's
 * redirects.
 */
export function targetFingerprintsSql(
  where: string,
  extra = '',
  opts: { version?: boolean; few?: boolean } = {},
): string {
  return `
WITH sel AS MATERIALIZED (
  SELECT a.id, a.site, hashtextextended(a.body, 0) AS body_hash,
    hashtextextended(a.document::text, 0) AS document_hash, a.document->'redirects' AS redirects
  FROM article a WHERE ${where}),
${listCtes(opts.few ? 'probed' : 'joined')}
SELECT a.id, a.legacy_nid,
  '${TARGET_FINGERPRINT_PREFIX}' || md5(ROW(${ARTICLE_PART}, ${fileRow('fi')}, ${fileRow('fp')}, terms.list, redirects.list,
    authors.list, refs.list)::text || COALESCE('B' || blocks.list, '')) AS target${
      opts.version
        ? `,
  CASE WHEN ${HOLDS_EVERY_PATH} THEN ${VERSION_EXPR} END AS version`
        : ''
    }${extra}
FROM sel s JOIN article a ON a.id = s.id
${LIST_JOINS}`
}

/**
 * The row-version fingerprints of the articles `where` selects (alias `a`), as rows (id, legacy_nid,
 * version), plus `extra` columns over `a`: no body, no document read.
 */
export function versionFingerprintsSql(where: string, extra = ''): string {
  return `
WITH sel AS MATERIALIZED (SELECT a.id, a.site FROM article a WHERE ${where}),
${listCtes(false)}
SELECT a.id, a.legacy_nid, ${VERSION_EXPR} AS version${extra}
FROM sel s JOIN article a ON a.id = s.id
${LIST_JOINS}`
}

/** An article of a batch as the target holds it now, with what its last write stored. */
export interface TargetFingerprint {
  readonly legacyNid: number
  readonly isDeleted: boolean
  /** Stored by the last write (null: none stored, e.g. written before fingerprints existed). */
  readonly storedSource: string | null
  readonly storedTarget: string | null
  readonly coverage: string | null
  /**
   * Computed by Postgres now; null when it was not asked for (readTargetFingerprintsFor: the node's
   * source changed, so the article goes the full way whatever its target holds).
   */
  readonly target: string | null
  /**
   * Set when `target` was computed from the article's content because its row version was not the
   * stored one: the row-version fingerprint of the same moment (null: the article yields a path).
   * Where `target` is still the stored value, a run that writes stores it ({@link storeRowVersions}).
   */
  readonly version?: string | null
  /** One of the mapping's owned fields holds an editor's value (see owned-fields.ts). */
  readonly isOwnedEdited: boolean
}

/** The fingerprints of these nids' articles (those the target has), stored and computed now. */
export async function readTargetFingerprints(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  nids: readonly number[],
  owned: OwnedFields,
): Promise<TargetFingerprint[]> {
  if (nids.length === 0) return []
  return queryTargetFingerprints(db, 'a.site = $1 AND a.legacy_nid = ANY($2::int[])', [site, nids], owned)
}

/**
 * The fingerprints of these nids' articles, the target one computed only for the articles whose
 * stored source fingerprint is the node's `sources` one (the others' `target` is null): a node whose
 * source changed is transformed and compared anyway, and computing its target fingerprint (a hash
 * over its whole document, its terms and redirects) was 7% of Postgres's work in a sync that
 * rewrote 5,000 articles after a term rename. The loader checks the few whose content turns out
 * unchanged (loadBatch, `verified: false`).
 */
export async function readTargetFingerprintsFor(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  sources: ReadonlyMap<number, string>,
  owned: OwnedFields,
): Promise<TargetFingerprint[]> {
  if (sources.size === 0) return []
  const { rows } = await db.query<StoredRow>(
    `SELECT a.legacy_nid, ${storedColumns(owned)}
     FROM article a LEFT JOIN article_fingerprint f ON f.article_id = a.id
     WHERE a.site = $1 AND a.legacy_nid = ANY($2::int[])`,
    [site, [...sources.keys()]],
  )
  const same = rows.filter(
    (r) => !r.is_deleted && r.source !== null && r.source === sources.get(r.legacy_nid),
  )
  const computed = new Map(
    (
      await readTargetFingerprints(
        db,
        site,
        same.map((r) => r.legacy_nid),
        owned,
      )
    ).map((f) => [f.legacyNid, f]),
  )
  return rows.map((r) => computed.get(r.legacy_nid) ?? { ...fromStored(r), target: null })
}

/**
 * The fingerprints of the first `limit` articles of the site after `afterNid`, in legacy_nid order:
 * what a run reading the source in nid order asks for its next batch, before that batch is read
 * (pipeline/skip-unchanged.ts reads ahead with it).
 */
export async function readTargetFingerprintsAfter(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  afterNid: number,
  limit: number,
  owned: OwnedFields,
): Promise<TargetFingerprint[]> {
  return queryTargetFingerprints(
    db,
    `a.site = $1 AND a.legacy_nid IN (
      SELECT legacy_nid FROM article WHERE site = $1 AND legacy_nid > $2 ORDER BY legacy_nid LIMIT $3)`,
    [site, afterNid, limit],
    owned,
  )
}

/** What an article's last write stored with it, and whether an owned field holds an editor's value. */
interface StoredRow {
  legacy_nid: number
  is_deleted: boolean
  source: string | null
  stored_target: string | null
  coverage: string | null
  owned_edited: boolean
}

/** The columns of {@link StoredRow} but legacy_nid, over `a` (article) and `f` (article_fingerprint). */
function storedColumns(owned: OwnedFields): string {
  const edited =
    owned.fields.length === 0
      ? 'false'
      : owned.fields.map((f) => `(${editedInTargetSql(f, 'a', owned.from)})`).join(' OR ')
  return `a.deleted_at IS NOT NULL AS is_deleted, f.source, f.target AS stored_target, f.coverage,
  ${edited} AS owned_edited`
}

function fromStored(r: StoredRow): Omit<TargetFingerprint, 'target'> {
  return {
    legacyNid: r.legacy_nid,
    isDeleted: r.is_deleted,
    storedSource: r.source,
    storedTarget: r.stored_target,
    coverage: r.coverage,
    isOwnedEdited: r.owned_edited,
  }
}

/**
 * The fingerprints of the articles `where` selects (its `$1` is the site), in two steps: the
 * row-version fingerprint of each (no body or document read); where it is the one stored with the
 * article, its target fingerprint is the stored one; the others' are computed from their content.
 */
async function queryTargetFingerprints(
  db: Pick<pg.Pool, 'query'>,
  where: string,
  params: readonly [site: string, ...rest: unknown[]],
  owned: OwnedFields,
): Promise<TargetFingerprint[]> {
  const { rows } = await db.query<StoredRow & { version: string; stored_version: string | null }>(
    `${versionFingerprintsSql(where, `, ${storedColumns(owned)}, f.version AS stored_version`)}
LEFT JOIN article_fingerprint f ON f.article_id = a.id`,
    [...params],
  )
  const out: TargetFingerprint[] = []
  const recheck: number[] = []
  for (const r of rows) {
    // A stored value of another version of the target fingerprint is not vouched for: it is
    // computed anew (and found changed, as before the row version existed).
    if (
      r.stored_target?.startsWith(TARGET_FINGERPRINT_PREFIX) &&
      r.stored_version !== null &&
      r.stored_version === r.version
    )
      out.push({ ...fromStored(r), target: r.stored_target })
    else recheck.push(r.legacy_nid)
  }
  if (recheck.length === 0) return out
  const { rows: computed } = await db.query<StoredRow & { target: string; version: string | null }>(
    `${targetFingerprintsSql('a.site = $1 AND a.legacy_nid = ANY($2::int[])', `, ${storedColumns(owned)}`, {
      version: true,
      few: recheck.length <= PROBE_MAX,
    })}
LEFT JOIN article_fingerprint f ON f.article_id = a.id`,
    [params[0], recheck],
  )
  for (const r of computed) out.push({ ...fromStored(r), target: r.target, version: r.version })
  return out
}

/**
 * Store the row-version fingerprints of articles whose content was found to compute their stored
 * target fingerprint (a rewrite that changed nothing, VACUUM FULL, an upgrade): the next run checks
 * them by row version again. Both values came from one statement (one snapshot), so the version
 * vouches for the stored target fingerprint; a row `target` no longer matches is left as it is.
 */
export async function storeRowVersions(
  db: Pick<pg.Pool, 'query'>,
  site: string,
  rows: readonly { readonly nid: number; readonly version: string; readonly target: string }[],
): Promise<void> {
  if (rows.length === 0) return
  await db.query(
    `UPDATE article_fingerprint f SET version = u.version
FROM article a, unnest($2::int[], $3::text[], $4::text[]) AS u(nid, version, target)
WHERE a.site = $1 AND a.legacy_nid = u.nid AND f.article_id = a.id AND f.target = u.target`,
    [site, rows.map((r) => r.nid), rows.map((r) => r.version), rows.map((r) => r.target)],
  )
}

/** One article of a batch whose fingerprints the loader is to store. */
export interface FingerprintToStore {
  readonly nid: number
  readonly source: string
  readonly coverage: string
  /**
   * The batch wrote the article: store what Postgres computes now. Otherwise the article was left as
   * it was (same content hash), and the fingerprint is stored only if the target still computes
   * `seen`, the value the run checked before it decided that.
   */
  readonly written: boolean
  readonly seen: string | null
}

/**
 * Store source and target fingerprints of articles the caller's transaction just wrote (or found
 * unchanged), the target one computed by Postgres over the rows as they are now.
 */
export async function storeFingerprints(
  client: pg.ClientBase,
  site: string,
  rows: readonly FingerprintToStore[],
): Promise<void> {
  if (rows.length === 0) return
  await client.query(
    `INSERT INTO article_fingerprint (article_id, source, target, coverage, version)
SELECT t.id, s.source, t.target, s.coverage, t.version
FROM (${targetFingerprintsSql('a.site = $1 AND a.legacy_nid = ANY($2::int[])', '', {
      version: true,
      few: rows.length <= PROBE_MAX,
    })}) t
JOIN unnest($2::int[], $3::text[], $4::text[], $5::bool[], $6::text[]) AS s(nid, source, coverage, written, seen)
  ON s.nid = t.legacy_nid
WHERE s.written OR s.seen = t.target
ON CONFLICT (article_id) DO UPDATE
SET source = excluded.source, target = excluded.target, coverage = excluded.coverage, version = excluded.version`,
    [
      site,
      rows.map((r) => r.nid),
      rows.map((r) => r.source),
      rows.map((r) => r.coverage),
      rows.map((r) => r.written),
      rows.map((r) => r.seen),
    ],
  )
}

/** What the run learned about a node before its transform, for the loader (skip-unchanged.ts). */
export interface FingerprintPlan {
  /** The node's source fingerprint, stored with the article once written. */
  readonly source: string
  /** The target fingerprint Postgres computed before the transform (null: no article yet, or not computed). */
  readonly seen: string | null
  /**
   * False: the target fingerprint was not computed before the transform (the node's source changed,
   * readTargetFingerprintsFor). Should the article's content turn out unchanged, the loader computes
   * it then: rewritten if the target changed, else its fingerprints stored.
   */
  readonly verified: boolean
  /**
   * The article no longer computes the target fingerprint stored with it (edited in Postgres, or
   * none stored): rewrite it even if its content hash is the new one.
   */
  readonly force: boolean
}
