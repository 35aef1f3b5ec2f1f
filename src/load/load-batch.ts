import type pg from 'pg'
import type { Article, FileRef, TermRef } from '../model/article.js'
import { coverageMask } from '../model/article-coverage.js'
import {
  editedInTargetSql,
  NO_OWNED_FIELDS,
  type OwnedFields,
  ownedColumns,
  ownedTermRoles,
} from '../model/owned-fields.js'
import { type Issue, partitionOutcomes, type RowOutcome } from '../transform/outcome.js'
import { ARTICLE_COLUMNS, toArticleRow } from './article-row.js'
import { type CopyType, copyRows } from './copy-rows.js'
import { UPSERT_FILES } from './media-files.js'
import { tagRunChanges } from './run-changes.js'
import { type FingerprintPlan, readTargetFingerprints, storeFingerprints } from './target-fingerprint.js'
import { type WrittenArticle, writeRedirects } from './write-redirects.js'
import { writeRelations } from './write-relations.js'

export interface BatchResult {
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  /** Rows the transformer rejected plus rows Postgres refused (isolated one by one). */
  readonly rejected: readonly { readonly nid: number; readonly issues: readonly Issue[] }[]
  readonly filtered: number
  readonly warnings: number
}

const TERM_ROLES = [
  ['publications', 'publication'],
  ['sections', 'section'],
  ['subjects', 'subject'],
] as const

const recordset = ARTICLE_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')
// Written as given; image_fid/pdf_fid become image_file_id/pdf_file_id (looked up in media_file).
const INSERTED = ARTICLE_COLUMNS.filter(([n]) => n !== 'image_fid' && n !== 'pdf_fid')
const insertColumns = INSERTED.map(([n]) => n)

const STAGE_TABLE = 'dhm_article_stage'
const stageColumns = ARTICLE_COLUMNS.map(([n]) => n)
export const stageTypes = ARTICLE_COLUMNS.map(([, t]) => t as CopyType)
// A temp table lives as long as the pooled connection; ON COMMIT DELETE ROWS empties it per batch.
const CREATE_STAGE = `CREATE TEMP TABLE IF NOT EXISTS ${STAGE_TABLE} (${recordset}) ON COMMIT DELETE ROWS`

const SELECT_HASHES = `
SELECT legacy_nid, content_hash, deleted_at IS NOT NULL AS deleted
FROM article WHERE site = $1 AND legacy_nid = ANY($2::int[])`

// Files are looked up row by row through their unique (site, legacy_fid) index, never joined as a
// whole table: planned as a join, Postgres scanned all of media_file twice per batch (seen at 100k
// articles), a cost that grows with the target. (term stays a join: it is small.)
/**
 * The merge of staged articles into `article`. A column of an `owned` field that an editor changed in
 * the target (it differs from what dhm last wrote, the old document's value) keeps the editor's value;
 * the new document is written all the same, so the next sync sees the edit again.
 */
function upsertArticlesSql(owned: OwnedFields): string {
  const columns = ownedColumns(owned)
  const set = (c: string) => {
    const field = columns.get(c)
    return field === undefined
      ? `${c} = excluded.${c}`
      : `${c} = CASE WHEN ${editedInTargetSql(field, 'article', owned.from)} THEN article.${c} ELSE excluded.${c} END`
  }
  return `
INSERT INTO article (site, ${insertColumns.join(', ')}, image_file_id, pdf_file_id)
SELECT $1, ${insertColumns.map((c) => `a.${c}`).join(', ')},
  (SELECT f.id FROM media_file f WHERE f.site = $1 AND f.legacy_fid = a.image_fid),
  (SELECT f.id FROM media_file f WHERE f.site = $1 AND f.legacy_fid = a.pdf_fid)
FROM ${STAGE_TABLE} a
ON CONFLICT (site, legacy_nid) DO UPDATE SET
  ${[...insertColumns, 'image_file_id', 'pdf_file_id']
    .filter((c) => c !== 'legacy_nid')
    .map(set)
    .join(',\n  ')},
  last_migrated_at = now(),
  deleted_at = NULL
-- $2: articles edited in the target since dhm wrote them (their target fingerprint changed): rewritten.
WHERE article.content_hash IS DISTINCT FROM excluded.content_hash OR article.deleted_at IS NOT NULL
  OR excluded.legacy_nid = ANY($2::int[])
RETURNING id, legacy_nid, (xmax = 0) AS inserted`
}

const UPSERT_ARTICLES = upsertArticlesSql(NO_OWNED_FIELDS)
// One statement per owned list, built once (a run has one mapping, so one list).
const upsertByOwned = new Map<string, string>()
function upsertArticles(owned: OwnedFields): string {
  if (owned.fields.length === 0) return UPSERT_ARTICLES
  const key = `${owned.fields.join(',')}@${owned.from}`
  const cached = upsertByOwned.get(key)
  if (cached !== undefined) return cached
  const sql = upsertArticlesSql(owned)
  upsertByOwned.set(key, sql)
  return sql
}

const UPSERT_TERMS = `
INSERT INTO term (site, legacy_tid, vocabulary, name)
SELECT $1, t.tid, t.vocabulary, t.name FROM jsonb_to_recordset($2::jsonb) AS t(tid int, vocabulary text, name text)
WHERE NOT EXISTS (SELECT 1 FROM term x WHERE x.site = $1 AND x.legacy_tid = t.tid
  AND (x.vocabulary, x.name) IS NOT DISTINCT FROM (t.vocabulary, t.name))
ON CONFLICT (site, legacy_tid) DO UPDATE SET vocabulary = excluded.vocabulary, name = excluded.name
WHERE (term.vocabulary, term.name) IS DISTINCT FROM (excluded.vocabulary, excluded.name)`

/**
 * The term links of rewritten articles are brought to the new lists, not replaced: a link whose
 * article, role, position and term are unchanged is left alone (a renamed term rewrites thousands
 * of articles whose links are all the same: deleting and inserting them again was a fifth of
 * Postgres's work in such a sync, through the undo log's before-images and the foreign-key checks).
 * $1: the updated articles; $2, $3: (article, role) lists an editor changed, kept as they are;
 * $4..$7: the new links (article, role, position, legacy tid); $8: the site.
 */
const STALE_TERMS_DELETE = `
DELETE FROM article_term x WHERE x.article_id = ANY($1::int[])
  AND NOT EXISTS (SELECT 1 FROM unnest($2::int[], $3::text[]) AS k(id, role)
                  WHERE k.id = x.article_id AND k.role = x.role::text)
  AND NOT EXISTS (SELECT 1 FROM unnest($4::int[], $5::text[], $6::int[], $7::int[]) AS r(article_id, role, position, tid)
                  JOIN term t ON t.site = $8 AND t.legacy_tid = r.tid
                  WHERE r.article_id = x.article_id AND r.role = x.role::text AND r.position = x.position
                    AND t.id = x.term_id)`
/** The new links the article does not hold yet (after STALE_TERMS_DELETE, the others are identical). */
const NEW_TERMS_INSERT = `
INSERT INTO article_term (article_id, role, position, term_id)
SELECT r.article_id, r.role::term_role, r.position, t.id
FROM unnest($2::int[], $3::text[], $4::int[], $5::int[]) AS r(article_id, role, position, tid)
JOIN term t ON t.site = $1 AND t.legacy_tid = r.tid
ON CONFLICT (article_id, role, position) DO NOTHING`

const INSERT_MESSAGES = `
INSERT INTO migration_message (run_id, legacy_nid, level, field, reason, excerpt)
SELECT $1, m.nid, m.level, m.field, m.reason, m.excerpt
FROM jsonb_to_recordset($2::jsonb) AS m(nid int, level text, field text, reason text, excerpt text)`

/**
 * Write one batch of transformed rows, set-based: a handful of statements whatever the batch size.
 * The caller owns the transaction (one per batch). Unchanged articles (same content hash) are not
 * touched. If Postgres refuses a value, the batch is retried row by row under savepoints so that
 * only the offending rows are rejected, with Postgres' reason. `owned`: the mapping's fields the new
 * system owns; an existing article's edited value of one is kept (see upsertArticlesSql).
 * `fingerprints` (pipeline/skip-unchanged.ts): per nid, the source fingerprint to store with the
 * article and whether it must be rewritten although its content hash is unchanged (edited in the
 * target); the target fingerprint is computed by Postgres once the batch is written.
 */
export async function loadBatch(
  client: pg.ClientBase,
  site: string,
  runId: number | null,
  outcomes: readonly RowOutcome[],
  owned: OwnedFields = NO_OWNED_FIELDS,
  fingerprints: ReadonlyMap<number, FingerprintPlan> = NO_PLANS,
): Promise<BatchResult> {
  const { ok, rejected, filtered, unchanged: settled } = partitionOutcomes(outcomes)
  // Every article_term row fires a foreign-key check on term, a table of a few pages, so the planner
  // plans that check as a sequential scan, and the plan is cached for the session. By index it costs
  // half (511,530 links: 1.35 s against 2.55 s over a no-FK insert, measured on a 100k target).
  // Plans made in this transaction see this setting; a sequential scan that is the only way stays
  // possible.
  // work_mem: the undo log's statement triggers (run-changes.ts) keep each statement's rows in a
  // transition table, which holds whole articles: a batch of 2,000 (~13 MB) went to a temporary file
  // with the default 4 MB (66 MB written and read back per 10,000 articles of a first migrate).
  await client.query(`SET LOCAL enable_seqscan = off; SET LOCAL work_mem = '${BATCH_WORK_MEM}'`)
  // What this transaction changes goes into the run's undo log (dhm rollback).
  if (runId !== null) await tagRunChanges(client, runId)

  const checks: WriteChecks = {
    force: new Set([...fingerprints].flatMap(([nid, plan]) => (plan.force ? [nid] : []))),
    unverified: new Set([...fingerprints].flatMap(([nid, plan]) => (plan.verified ? [] : [nid]))),
    seen: new Map(),
  }
  let written: Written = { inserted: 0, updated: 0, nids: [] }
  await client.query('SAVEPOINT batch')
  try {
    written = await writeArticles(client, site, ok, owned, checks)
    await client.query('RELEASE SAVEPOINT batch')
  } catch (error) {
    if (!isDataError(error)) throw error
    await client.query('ROLLBACK TO SAVEPOINT batch')
    for (const row of ok) {
      await client.query('SAVEPOINT row')
      try {
        const r = await writeArticles(client, site, [row], owned, checks)
        written = {
          inserted: written.inserted + r.inserted,
          updated: written.updated + r.updated,
          nids: [...written.nids, ...r.nids],
        }
        await client.query('RELEASE SAVEPOINT row')
      } catch (rowError) {
        if (!isDataError(rowError)) throw rowError
        await client.query('ROLLBACK TO SAVEPOINT row')
        rejected.push({
          nid: row.ref.nid,
          issues: [
            {
              field: '(target)',
              reason: `Postgres refused the row: ${(rowError as Error).message}`,
              excerpt: null,
            },
          ],
        })
      }
    }
  }
  const loadedRows = ok.length - rejected.filter((r) => ok.some((o) => o.ref.nid === r.nid)).length
  if (fingerprints.size > 0) {
    const refused = new Set(rejected.map((r) => r.nid))
    const wrote = new Set(written.nids)
    await storeFingerprints(
      client,
      site,
      ok.flatMap((o) => {
        const plan = fingerprints.get(o.ref.nid)
        if (plan === undefined || refused.has(o.ref.nid)) return []
        return [
          {
            nid: o.ref.nid,
            source: plan.source,
            coverage: coverageMask(o.article),
            written: wrote.has(o.ref.nid),
            seen: checks.seen.get(o.ref.nid) ?? plan.seen,
          },
        ]
      }),
    )
  }

  const warnings = ok.flatMap((o) => o.warnings.map((w) => ({ nid: o.ref.nid, level: 'warning', ...w })))
  if (runId !== null) {
    const messages = [
      ...rejected.flatMap((r) => r.issues.map((i) => ({ nid: r.nid, level: 'error', ...i }))),
      ...warnings,
    ]
    if (messages.length > 0) await client.query(INSERT_MESSAGES, [runId, JSON.stringify(messages)])
  }
  return {
    inserted: written.inserted,
    updated: written.updated,
    unchanged: loadedRows - written.inserted - written.updated + settled,
    rejected,
    filtered,
    warnings: warnings.length,
  }
}

/** Memory a batch's sorts, hashes and trigger transition tables may each use before spilling to disk. */
const BATCH_WORK_MEM = '64MB'

const NO_PLANS: ReadonlyMap<number, FingerprintPlan> = new Map()

/**
 * What writeArticles must know of the batch's fingerprints: articles to rewrite whatever their
 * content hash (`force`: edited in the target), and articles whose target fingerprint was not
 * computed before the transform (`unverified`: their source changed). An unverified article whose
 * content hash is unchanged is checked when it is met: rewritten if its target changed since dhm
 * wrote it, else what Postgres computes for it goes into `seen` (its fingerprints are then stored).
 */
interface WriteChecks {
  readonly force: Set<number>
  readonly unverified: ReadonlySet<number>
  readonly seen: Map<number, string>
}

/** What writeArticles wrote: counts, and the nids of the articles it inserted or updated. */
interface Written {
  readonly inserted: number
  readonly updated: number
  readonly nids: readonly number[]
}

async function writeArticles(
  client: pg.ClientBase,
  site: string,
  all: readonly Extract<RowOutcome, { kind: 'ok' }>[],
  owned: OwnedFields,
  checks: WriteChecks,
): Promise<Written> {
  if (all.length === 0) return { inserted: 0, updated: 0, nids: [] }
  // Rows whose content hash the target already has are not sent at all: a re-run over unchanged
  // data reads one hash per article instead of writing (the ON CONFLICT guard stays for races).
  const { rows: known } = await client.query<{ legacy_nid: number; content_hash: string; deleted: boolean }>(
    SELECT_HASHES,
    [site, all.map((o) => o.article.legacyNid)],
  )
  const same = new Set(known.filter((k) => !k.deleted).map((k) => `${k.legacy_nid}:${k.content_hash}`))
  const isSame = (o: (typeof all)[number]) => same.has(`${o.article.legacyNid}:${o.contentHash}`)
  const recheck = all.filter((o) => checks.unverified.has(o.article.legacyNid) && isSame(o))
  if (recheck.length > 0) {
    const now = await readTargetFingerprints(
      client,
      site,
      recheck.map((o) => o.article.legacyNid),
      owned,
    )
    for (const f of now) {
      if (f.target !== null && f.target === f.storedTarget) checks.seen.set(f.legacyNid, f.target)
      else checks.force.add(f.legacyNid)
    }
  }
  const forced = checks.force
  const ok = all.filter((o) => forced.has(o.article.legacyNid) || !isSame(o))
  if (ok.length === 0) return { inserted: 0, updated: 0, nids: [] }

  const terms = new Map<number, TermRef>()
  const files = new Map<number, FileRef>()
  for (const { article } of ok) {
    for (const [key] of TERM_ROLES) for (const t of article[key]) terms.set(t.tid, t)
    if (article.image?.file) files.set(article.image.file.fid, article.image.file)
    if (article.pdf?.file) files.set(article.pdf.file.fid, article.pdf.file)
  }
  // Sorted, so concurrent writers (migrate next to sync) lock term/file rows in the same order.
  const byId = <T>(m: Map<number, T>) => [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v)
  if (terms.size > 0) await client.query(UPSERT_TERMS, [site, json(byId(terms))])
  if (files.size > 0) await client.query(UPSERT_FILES, [site, json(byId(files))])

  // Nothing of this batch in the target yet (a first migration): COPY straight into the tables, no
  // staging table and no merge. Should another writer insert one of these nids meanwhile, the unique
  // index says so and the batch takes the merge path below instead.
  if (known.length === 0) {
    await client.query('SAVEPOINT fresh')
    try {
      const inserted = await insertFresh(client, site, ok, terms, files)
      await client.query('RELEASE SAVEPOINT fresh')
      return { inserted, updated: 0, nids: ok.map((o) => o.article.legacyNid) }
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error
      await client.query('ROLLBACK TO SAVEPOINT fresh')
    }
  }

  // Owned term lists an editor changed keep their links: read before the merge rewrites documents.
  const keptLinks = await readEditedTermRoles(
    client,
    site,
    ok.map((o) => o.article.legacyNid),
    owned,
  )
  await client.query(CREATE_STAGE)
  await client.query(`DELETE FROM ${STAGE_TABLE}`)
  await copyRows(client, STAGE_TABLE, stageColumns, stageTypes, stageRows(ok))
  const { rows: changed } = await client.query<{ id: number; legacy_nid: number; inserted: boolean }>(
    upsertArticles(owned),
    [site, [...forced]],
  )
  if (changed.length > 0) {
    const byNid = new Map<number, Article>(ok.map((o) => [o.article.legacyNid, o.article]))
    const ids: number[] = []
    const roles: string[] = []
    const positions: number[] = []
    const tids: number[] = []
    for (const { id, legacy_nid } of changed) {
      const article = byNid.get(legacy_nid)
      if (!article) continue
      for (const [key, role] of TERM_ROLES) {
        if (keptLinks.has(`${id}:${role}`)) continue
        article[key].forEach((t, position) => {
          ids.push(id)
          roles.push(role)
          positions.push(position)
          tids.push(t.tid)
        })
      }
    }
    // A freshly inserted article has no links yet: only updated ones may hold links that changed.
    const updatedIds = changed.filter((c) => !c.inserted).map((c) => c.id)
    if (updatedIds.length > 0) {
      const kept = [...keptLinks].map((k) => k.split(':'))
      await client.query(STALE_TERMS_DELETE, [
        updatedIds,
        kept.map(([id]) => Number(id)),
        kept.map(([, role]) => role),
        ids,
        roles,
        positions,
        tids,
        site,
      ])
    }
    if (ids.length > 0) await client.query(NEW_TERMS_INSERT, [site, ids, roles, positions, tids])
    const writtenArticles = changed.flatMap(({ id, legacy_nid, inserted }) => {
      const article = byNid.get(legacy_nid)
      return article ? [{ id, inserted, article }] : []
    })
    await writeRedirects(client, site, writtenArticles)
    await writeRelations(client, site, writtenArticles)
  }
  const inserted = changed.filter((c) => c.inserted).length
  return { inserted, updated: changed.length - inserted, nids: changed.map((c) => c.legacy_nid) }
}

/**
 * Of the batch's articles already in the target, `<article id>:<role>` of the owned term lists an
 * editor changed there (see editedInTargetSql): their links stay as they are.
 */
async function readEditedTermRoles(
  client: pg.ClientBase,
  site: string,
  nids: readonly number[],
  owned: OwnedFields,
): Promise<Set<string>> {
  const roles = ownedTermRoles(owned)
  if (roles.length === 0 || nids.length === 0) return new Set()
  const { rows } = await client.query<{ id: number; roles: string[] }>(
    `SELECT a.id, array_remove(ARRAY[${roles
      .map(({ field, role }) => `CASE WHEN ${editedInTargetSql(field, 'a', owned.from)} THEN '${role}' END`)
      .join(', ')}]::text[], NULL) AS roles
     FROM article a WHERE a.site = $1 AND a.legacy_nid = ANY($2::int[])`,
    [site, [...nids]],
  )
  return new Set(rows.flatMap((r) => r.roles.map((role) => `${r.id}:${role}`)))
}

const UNIQUE_VIOLATION = '23505'
const FILE_IDS =
  'SELECT legacy_fid AS legacy, id FROM media_file WHERE site = $1 AND legacy_fid = ANY($2::int[])'
const TERM_IDS = 'SELECT legacy_tid AS legacy, id FROM term WHERE site = $1 AND legacy_tid = ANY($2::int[])'
const NEW_ARTICLE_IDS = `SELECT nextval(pg_get_serial_sequence('article', 'id'))::int AS id FROM generate_series(1, $1)`
const freshColumns = ['site', 'id', ...insertColumns, 'image_file_id', 'pdf_file_id']
const freshTypes: CopyType[] = ['text', 'int', ...INSERTED.map(([, t]) => t as CopyType), 'int', 'int']
const TERM_LINK_TYPES: CopyType[] = ['int', 'text', 'int', 'int']

/**
 * Insert articles none of which the target has: ids drawn from the article sequence up front, then
 * COPY into article and article_term directly (what a first migration does for every batch).
 */
async function insertFresh(
  client: pg.ClientBase,
  site: string,
  ok: readonly Extract<RowOutcome, { kind: 'ok' }>[],
  terms: ReadonlyMap<number, TermRef>,
  files: ReadonlyMap<number, FileRef>,
): Promise<number> {
  const idsOf = async (sql: string, legacy: Iterable<number>) => {
    const list = [...legacy]
    if (list.length === 0) return new Map<number, number>()
    const { rows } = await client.query<{ legacy: number; id: number }>(sql, [site, list])
    return new Map(rows.map((r) => [r.legacy, r.id]))
  }
  const fileIds = await idsOf(FILE_IDS, files.keys())
  const termIds = await idsOf(TERM_IDS, terms.keys())
  const { rows: fresh } = await client.query<{ id: number }>(NEW_ARTICLE_IDS, [ok.length])
  const written: WrittenArticle[] = ok.map((o, i) => ({
    id: fresh[i]?.id as number,
    inserted: true,
    article: o.article,
  }))

  await copyRows(client, 'article', freshColumns, freshTypes, freshRows(site, ok, written, fileIds))
  const links = function* (): Generator<unknown[]> {
    for (const { id, article } of written) {
      for (const [key, role] of TERM_ROLES) {
        for (const [position, t] of article[key].entries()) {
          const termId = termIds.get(t.tid)
          if (termId !== undefined) yield [id, role, position, termId]
        }
      }
    }
  }
  await copyRows(
    client,
    'article_term',
    ['article_id', 'role', 'position', 'term_id'],
    TERM_LINK_TYPES,
    links(),
  )
  await writeRedirects(client, site, written)
  await writeRelations(client, site, written)
  return ok.length
}

function* freshRows(
  site: string,
  ok: readonly Extract<RowOutcome, { kind: 'ok' }>[],
  written: readonly WrittenArticle[],
  fileIds: ReadonlyMap<number, number>,
): Generator<unknown[]> {
  const fileId = (fid: number | null) => (fid === null ? null : (fileIds.get(fid) ?? null))
  for (const [i, o] of ok.entries()) {
    const row = toArticleRow(o.article, o.contentHash, o.document)
    yield [
      site,
      written[i]?.id,
      ...insertColumns.map((c) => row[c]),
      fileId(row.image_fid),
      fileId(row.pdf_fid),
    ]
  }
}

export function* stageRows(ok: readonly Extract<RowOutcome, { kind: 'ok' }>[]): Generator<unknown[]> {
  for (const o of ok) {
    const row = toArticleRow(o.article, o.contentHash, o.document)
    yield stageColumns.map((c) => row[c])
  }
}

const json = (v: unknown) => JSON.stringify(v)

/** SQLSTATE class 22 (data exception) or 23 (integrity): the data is at fault, not the connection. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))
}
