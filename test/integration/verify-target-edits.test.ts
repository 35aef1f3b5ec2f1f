// `dhm verify` compares what the target holds, not the hash it stored (issue #25): a freshly
// migrated target is edited directly in Postgres, one kind of data per article, with content_hash
// and document left as they were, and verify must name that article and that attribute. `dhm
// export` reads the target through the same reader, and prints exactly what the document column
// held before it did. The articles to edit are picked with plain SQL written here.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { ArticleSchema } from '../../src/model/article.js'
import { exportArticles } from '../../src/pipeline/run-export.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runVerify, type VerifyResult } from '../../src/pipeline/run-verify.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'

const MAPPING_FILE = 'mappings/drupal7-standard.yaml'
const mariaDb = uniqueName('verify_edits_src')
const pgDb = uniqueName('verify_edits_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let reportsDir = ''

async function verify(opts: { deep?: boolean } = {}): Promise<VerifyResult> {
  return runVerify({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    batchSize: 9,
    reportsDir,
    ...opts,
  })
}

const brief = (r: VerifyResult) =>
  r.report.differences.map((d) => ({ nid: d.legacyNid, class: d.class, fields: d.fields }))

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
  pgQuery<T>(targetUrl, text, params)

/** The first article (by nid) matching `where`, not one of `taken`. */
async function pick(where: string, taken: readonly number[]): Promise<number> {
  const rows = await sql<{ nid: number }>(
    `SELECT a.legacy_nid AS nid FROM article a WHERE ${where} AND NOT (a.legacy_nid = ANY($1::int[]))
     ORDER BY a.legacy_nid LIMIT 1`,
    [[...taken]],
  )
  const nid = rows[0]?.nid
  if (nid === undefined) throw new Error(`the fixture has no article with ${where}`)
  return nid
}

async function exported(): Promise<string[]> {
  const lines: string[] = []
  for await (const a of exportArticles({ targetUrl, site: (await loadMapping(MAPPING_FILE)).site }))
    lines.push(JSON.stringify(a))
  return lines
}

beforeAll(async () => {
  reportsDir = await mkdtemp(path.join(tmpdir(), 'dhm-verify-edits-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 60, profile: 'standard' })
  targetUrl = await createPgDb(pgDb)
  await runMigration({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    batchSize: 9,
    reportsDir,
  })
})

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (reportsDir) await rm(reportsDir, { recursive: true, force: true })
})

describe('dhm verify reads the target as the front end does', () => {
  it('a clean target: nothing to report, and export prints what the document column holds', async () => {
    const r = await verify()
    expect(brief(r)).toEqual([])
    expect(r.report.counts.matched).toBeGreaterThan(0)
    expect(r.exitCode).toBe(0)
    // Untouched since the migration: every article is matched by its fingerprints.
    expect(r.report.fastPath).toEqual({ settled: r.report.counts.matched, targetChanged: 0 })

    // What export printed before it read the columns: each live document in the model's key order,
    // with the body value the document leaves to the body column (content hash v3).
    const documents = await sql<{ document: Record<string, unknown>; body: string | null }>(
      'SELECT document, body FROM article WHERE deleted_at IS NULL ORDER BY legacy_nid',
    )
    expect(documents.length).toBe(r.report.counts.matched)
    const whole = ({ document, body }: { document: Record<string, unknown>; body: string | null }) =>
      document.body ? { ...document, body: { ...(document.body as object), value: body } } : document
    expect(await exported()).toEqual(documents.map((d) => JSON.stringify(ArticleSchema.parse(whole(d)))))
  })

  it('each kind of data edited in Postgres (hash and document untouched) is reported for its article, exit 4', async () => {
    const taken: number[] = []
    const take = async (where: string) => {
      const nid = await pick(where, taken)
      taken.push(nid)
      return nid
    }
    const idOf = 'SELECT id FROM article WHERE legacy_nid = $1'

    const retitled = await take('true')
    await sql(`UPDATE article SET title = 'Hacked title' WHERE legacy_nid = $1`, [retitled])

    const twoSubjects = `(SELECT count(*) FROM article_term t WHERE t.article_id = a.id AND t.role = 'subject') >= 2`
    const unlinked = await take(twoSubjects)
    await sql(
      `DELETE FROM article_term WHERE article_id = (${idOf}) AND role = 'subject'
         AND position = (SELECT max(position) FROM article_term WHERE article_id = (${idOf}) AND role = 'subject')`,
      [unlinked],
    )

    const reordered = await take(twoSubjects)
    // Swap the first two subjects' terms (positions are part of the key).
    await sql(
      `UPDATE article_term t SET term_id = o.term_id FROM article_term o
       WHERE t.article_id = (${idOf}) AND t.role = 'subject' AND t.position IN (0, 1)
         AND o.article_id = t.article_id AND o.role = t.role AND o.position = 1 - t.position`,
      [reordered],
    )

    // A file only this article uses, so that no other article changes with it.
    const refiled = await take(
      `a.image_file_id IS NOT NULL AND (SELECT count(*) FROM article o WHERE o.image_file_id = a.image_file_id
         OR o.pdf_file_id = a.image_file_id) = 1`,
    )
    await sql(
      `UPDATE media_file SET uri = 'public://hacked.jpg' WHERE id = (SELECT image_file_id FROM article WHERE legacy_nid = $1)`,
      [refiled],
    )

    const unredirected = await take('EXISTS (SELECT 1 FROM redirect r WHERE r.article_id = a.id)')
    await sql(`DELETE FROM redirect WHERE id = (SELECT min(id) FROM redirect WHERE article_id = (${idOf}))`, [
      unredirected,
    ])

    const translated = await take(`jsonb_array_length(a.document->'translations') > 0`)
    await sql(
      `UPDATE article SET document = jsonb_set(document, '{translations,0,title}', '"Hacked translation"')
       WHERE legacy_nid = $1`,
      [translated],
    )

    const r = await verify()
    expect(brief(r)).toEqual(
      [
        { nid: retitled, class: 'changed', fields: ['title'] },
        { nid: unlinked, class: 'changed', fields: ['subjects'] },
        { nid: reordered, class: 'changed', fields: ['subjects'] },
        { nid: refiled, class: 'changed', fields: ['image'] },
        { nid: unredirected, class: 'changed', fields: ['redirects'] },
        { nid: translated, class: 'changed', fields: ['translations'] },
      ].sort((a, b) => a.nid - b.nid),
    )
    expect(r.exitCode).toBe(4)
    // With the fast path on: the six edited articles were compared in full, the others settled.
    expect(r.report.fastPath).toEqual({ settled: r.report.counts.matched, targetChanged: 6 })
    const change = (nid: number) => r.report.differences.find((d) => d.legacyNid === nid)?.changes[0]
    expect(change(retitled)).toMatchObject({ field: 'title', target: '"Hacked title"' })
    expect(change(reordered)?.detail).toBe('same items, different order')
    expect(change(refiled)).toMatchObject({ field: 'image', detail: 'file' })
    expect(change(refiled)?.target).toContain('public://hacked.jpg')

    // --deep is kept for old scripts and changes nothing.
    const deep = await verify({ deep: true })
    expect(brief(deep)).toEqual(brief(r))
  })
})
