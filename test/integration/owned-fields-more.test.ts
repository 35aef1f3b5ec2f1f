// Owned fields beyond one column (issue #22's named gaps): image and pdf (the file link and the
// columns around it) and the section/subject term links; owned from a date; and `dhm release` as a
// run that `dhm rollback` undoes. Editors on both sides are played with plain SQL.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runRelease } from '../../src/pipeline/run-release.js'
import { runRollback } from '../../src/pipeline/run-rollback.js'
import { runSync } from '../../src/pipeline/run-sync.js'
import { runVerify } from '../../src/pipeline/run-verify.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'
import { type Conn, changeSection, connectMaria, editTitle } from '../helpers/drupal-edits.js'

/** The fixture's fixed clock (2023-10-01): every generated node.changed is at or before it. */
const BASE = 1696118400
const mariaDb = uniqueName('own2_src')
const pgDb = uniqueName('own2_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let workDir = ''
let conn: Conn

const mappingFiles: Record<string, string> = {}

async function sync(mapping: string) {
  const file = mappingFiles[mapping] as string
  return runSync({
    mapping: await loadMapping(file),
    mappingFile: file,
    sourceUrl,
    targetUrl,
    batchSize: 25,
    reportsDir: workDir,
  })
}

async function verify(mapping: string) {
  const file = mappingFiles[mapping] as string
  const r = await runVerify({
    mapping: await loadMapping(file),
    mappingFile: file,
    sourceUrl,
    targetUrl,
    batchSize: 25,
    reportsDir: workDir,
  })
  return r.report.differences.map((d) => ({ nid: d.legacyNid, class: d.class, fields: [...d.fields].sort() }))
}

/** What the front end reads of an article's image, pdf, term links and title. */
async function target(nid: number) {
  const [row] = await pgQuery<{
    title: string
    image_file_id: number | null
    image_caption: string | null
    pdf_file_id: number | null
    sections: number[]
    subjects: number[]
  }>(
    targetUrl,
    `SELECT a.title, a.image_file_id, a.image_caption, a.pdf_file_id,
       ARRAY(SELECT x.term_id FROM article_term x WHERE x.article_id = a.id AND x.role = 'section' ORDER BY x.position) AS sections,
       ARRAY(SELECT x.term_id FROM article_term x WHERE x.article_id = a.id AND x.role = 'subject' ORDER BY x.position) AS subjects
     FROM article a WHERE a.site = 'bne' AND a.legacy_nid = $1`,
    [nid],
  )
  if (!row) throw new Error(`node ${nid} is not in the target`)
  return row
}

/** An editor in the new system: another image file and caption, another pdf, other term links. */
async function editInTarget(
  nid: number,
  ids: { file: number; pdf: number; section: number; subject: number },
) {
  await pgQuery(
    targetUrl,
    `UPDATE article SET image_file_id = $2, image_caption = 'Chosen in the new system', pdf_file_id = $3
     WHERE site = 'bne' AND legacy_nid = $1`,
    [nid, ids.file, ids.pdf],
  )
  const article = `(SELECT id FROM article WHERE site = 'bne' AND legacy_nid = $1)`
  await pgQuery(
    targetUrl,
    `DELETE FROM article_term WHERE article_id = ${article} AND role IN ('section', 'subject')`,
    [nid],
  )
  await pgQuery(
    targetUrl,
    `INSERT INTO article_term (article_id, role, position, term_id)
     VALUES (${article}, 'section', 0, $2), (${article}, 'subject', 0, $3)`,
    [nid, ids.section, ids.subject],
  )
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'dhm-owned-more-'))
  const base = await readFile('mappings/bne.yaml', 'utf8')
  mappingFiles.parts = path.join(workDir, 'bne-owned-parts.yaml')
  await writeFile(mappingFiles.parts, `${base}\nowned: [title, image, pdf, sections, subjects]\n`)
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 120, seed: 23 })
  conn = await connectMaria(sourceUrl)
  targetUrl = await createPgDb(pgDb)
  await runMigration({
    mapping: await loadMapping(mappingFiles.parts),
    mappingFile: mappingFiles.parts,
    sourceUrl,
    targetUrl,
    batchSize: 25,
  })
})

afterAll(async () => {
  await conn?.end()
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

describe('owned: [title, image, pdf, sections, subjects] (bne, 120 articles)', () => {
  let nid = 0
  let edited: Awaited<ReturnType<typeof target>>
  let releaseRun = 0

  it('image, pdf and term links an editor changed survive two syncs while the rest updates', async () => {
    const [row] = await pgQuery<{ nid: number; other_image: number; other_pdf: number }>(
      targetUrl,
      `SELECT a.legacy_nid AS nid,
         (SELECT f.id FROM media_file f WHERE f.id <> a.image_file_id ORDER BY f.id LIMIT 1) AS other_image,
         (SELECT b.pdf_file_id FROM article b WHERE b.pdf_file_id <> a.pdf_file_id ORDER BY b.id LIMIT 1) AS other_pdf
       FROM article a WHERE a.site = 'bne' AND a.image_file_id IS NOT NULL AND a.pdf_file_id IS NOT NULL
         AND a.deleted_at IS NULL AND EXISTS (SELECT 1 FROM article_term x WHERE x.article_id = a.id AND x.role = 'section')
       ORDER BY a.legacy_nid LIMIT 1`,
    )
    expect(row?.other_pdf).toBeTypeOf('number')
    nid = row?.nid as number
    const [terms] = await pgQuery<{ section: number; subject: number }>(
      targetUrl,
      `SELECT (SELECT id FROM term WHERE vocabulary = 'website_sections' ORDER BY id DESC LIMIT 1) AS section,
         (SELECT id FROM term WHERE vocabulary = 'subjects' ORDER BY id DESC LIMIT 1) AS subject`,
    )
    await editInTarget(nid, {
      file: row?.other_image as number,
      pdf: row?.other_pdf as number,
      section: terms?.section as number,
      subject: terms?.subject as number,
    })
    edited = await target(nid)
    await pgQuery(targetUrl, "UPDATE article SET title = 'Edited title' WHERE legacy_nid = $1", [nid])
    for (const round of [1, 2]) {
      // The source changes the same article: its title is released below; its section moves.
      await editTitle(conn, nid, BASE + 3600 * round, ` (drupal ${round})`)
      await changeSection(conn, nid, BASE + 3600 * round)
      const r = await sync('parts')
      expect(r.summary).toMatchObject({ updated: 1, rejected: 0 })
      expect(await target(nid)).toEqual({ ...edited, title: 'Edited title' })
    }
    expect(await verify('parts')).toEqual([
      { nid, class: 'edited', fields: ['image', 'pdf', 'sections', 'subjects', 'title'] },
    ])
  })

  it('dhm release hands image and sections back (recorded as a run); the rest stays owned', async () => {
    const result = await runRelease({ targetUrl, site: 'bne', fields: ['image', 'sections'], ids: [nid] })
    expect(result.released).toEqual({ image: [nid], sections: [nid] })
    releaseRun = result.runId
    const now = await target(nid)
    expect(now.image_file_id).not.toBe(edited.image_file_id)
    expect(now.image_caption).not.toBe('Chosen in the new system')
    expect(now.sections).not.toEqual(edited.sections)
    expect(now).toMatchObject({ pdf_file_id: edited.pdf_file_id, subjects: edited.subjects })
    expect(await verify('parts')).toEqual([{ nid, class: 'edited', fields: ['pdf', 'subjects', 'title'] }])
    const [run] = await pgQuery<{ command: string; status: string }>(
      targetUrl,
      'SELECT command, status FROM migration_run WHERE id = $1',
      [releaseRun],
    )
    expect(run).toEqual({ command: 'release', status: 'succeeded' })
  })

  it('dhm rollback of the release run gives the editors their values back: owned again', async () => {
    const dry = await runDhm(['rollback', '--run', String(releaseRun), '--dry-run', '--target', targetUrl])
    expect(dry.code).toBe(0)
    const r = await runRollback({ targetUrl, runId: releaseRun })
    expect(r).toMatchObject({ outcome: 'rolled-back', command: 'release', laterRuns: [] })
    expect(r.counts.article.restored).toBe(1)
    expect(await target(nid)).toEqual({ ...edited, title: 'Edited title' })
    expect(await verify('parts')).toEqual([
      { nid, class: 'edited', fields: ['image', 'pdf', 'sections', 'subjects', 'title'] },
    ])
    // And a sync keeps them, as before the release.
    await editTitle(conn, nid, BASE + 3600 * 3, ' (drupal 3)')
    expect((await sync('parts')).summary).toMatchObject({ updated: 1 })
    expect(await target(nid)).toEqual({ ...edited, title: 'Edited title' })
  })
})

describe('owned: { from } (every ownable field, edits counted from a date)', () => {
  it('an edit made before the date is overwritten by the next sync, one made after it is kept', async () => {
    const from = new Date(Date.now() - 3600_000).toISOString()
    mappingFiles.from = path.join(workDir, 'bne-owned-from.yaml')
    await writeFile(
      mappingFiles.from,
      `${await readFile('mappings/bne.yaml', 'utf8')}\nowned: { from: "${from}" }\n`,
    )
    // Another mapping file: the first sync with it reads everything once (and changes nothing here
    // but what the editors of the test above own).
    await sync('from')
    const [early, late] = (
      await pgQuery<{ legacy_nid: number }>(
        targetUrl,
        `SELECT legacy_nid FROM article WHERE site = 'bne' AND deleted_at IS NULL AND summary IS NOT NULL
         ORDER BY legacy_nid DESC LIMIT 2`,
      )
    ).map((r) => r.legacy_nid) as [number, number]
    for (const n of [early, late]) {
      await pgQuery(targetUrl, "UPDATE article SET summary = 'Edited summary' WHERE legacy_nid = $1", [n])
    }
    // The trigger noted both edits now; the early one is moved to before the date.
    await pgQuery(
      targetUrl,
      `UPDATE target_edit SET edited_at = '2020-01-01Z'
       WHERE article_id = (SELECT id FROM article WHERE site = 'bne' AND legacy_nid = $1)`,
      [early],
    )
    const differences = await verify('from')
    expect(differences).toContainEqual({ nid: late, class: 'edited', fields: ['summary'] })
    expect(differences).toContainEqual({ nid: early, class: 'changed', fields: ['summary'] })
    const status = await runDhm([
      'status',
      '--mapping',
      mappingFiles.from as string,
      '--target',
      targetUrl,
      '--owned',
      '--json',
    ])
    expect(JSON.parse(status.stdout).editedInTarget).toMatchObject({ summary: 1 })

    for (const n of [early, late]) await editTitle(conn, n, BASE + 3600 * 5, ' (drupal 5)')
    expect((await sync('from')).summary).toMatchObject({ updated: 2 })
    const summaries = await pgQuery<{ legacy_nid: number; summary: string | null }>(
      targetUrl,
      `SELECT legacy_nid, summary FROM article WHERE site = 'bne' AND legacy_nid = ANY($1::int[])`,
      [[early, late]],
    )
    const byNid = new Map(summaries.map((r) => [r.legacy_nid, r.summary]))
    expect(byNid.get(late)).toBe('Edited summary')
    expect(byNid.get(early)).not.toBe('Edited summary')
    // dhm's own writes are not edits: the sync left target_edit as the editors left it.
    const [noted] = await pgQuery<{ n: number }>(targetUrl, 'SELECT count(*)::int AS n FROM target_edit')
    expect(noted?.n).toBeGreaterThanOrEqual(2)
  })
})
