// A Drupal 7 site upgraded from Drupal 6 (the fixture's d6-upgraded profile): fields named as D6 named
// them (taxonomy_vocabulary_2, upload), a node type whose node_type row is gone (story), and a dump
// without field_revision_upload. Expectations come from plain SQL on the source.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readInventory } from '../../src/cli/commands/inspect.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { scaffoldMapping } from '../../src/inspect/scaffold-mapping.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runCheck } from '../../src/pipeline/run-check.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'

const mariaDb = uniqueName('d6_src')
const pgDb = uniqueName('d6_dst')
const sourceUrl = mariaUrl(mariaDb)
let dir = ''

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 48, profile: 'd6-upgraded' })
  dir = await mkdtemp(join(tmpdir(), 'dhm-d6-'))
})

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (dir) await rm(dir, { recursive: true, force: true })
})

const STORY_MAPPING = (fieldTables: string) => `site: d6-story
source: { bundles: [story], fieldTables: ${fieldTables} }
fields:
  body: { from: body, using: [first, text-with-summary] }
  subjects: { from: taxonomy_vocabulary_2.tid, using: [terms] }
  pdf: { from: upload, using: [first, attachment] }
  workflowState: { constant: null }
`

describe('a site upgraded from Drupal 6', () => {
  it('inspect lists the nodes of a type without node_type row, with their fields (they were invisible)', async () => {
    const [stories] = await mariaQuery<{ n: number; p: number }>(
      sourceUrl,
      "SELECT COUNT(*) AS n, SUM(status = 1) AS p FROM node WHERE type = 'story'",
    )
    expect(stories?.n).toBeGreaterThan(10)
    expect(await mariaQuery(sourceUrl, "SELECT type FROM node_type WHERE type = 'story'")).toEqual([])

    const inventory = await readInventory(sourceUrl)
    expect(inventory.bundles.map((b) => [b.type, b.declared])).toEqual([
      ['article', true],
      ['page', true],
      ['story', false],
    ])
    const story = inventory.bundles.find((b) => b.type === 'story')
    expect(story).toMatchObject({ name: 'story', nodes: stories?.n, published: Number(stories?.p) })
    expect(story?.fields.map((f) => f.name)).toEqual(['body', 'taxonomy_vocabulary_2', 'upload'])
  })

  it('check accepts that type in source.bundles, and D6 field names as sources', async () => {
    const file = join(dir, 'story-data.yaml')
    await writeFile(file, STORY_MAPPING('data'))
    const check = await runCheck({ mapping: await loadMapping(file), mappingFile: file, sourceUrl })
    expect(check.problems).toEqual([])
    expect(check.fieldTables).toEqual([
      'field_data_body',
      'field_data_taxonomy_vocabulary_2',
      'field_data_upload',
    ])
  })

  it('check names a missing field_revision_* table whose field_data_* exists and offers fieldTables: data', async () => {
    const file = join(dir, 'story-revision.yaml')
    await writeFile(file, STORY_MAPPING('revision'))
    const check = await runCheck({ mapping: await loadMapping(file), mappingFile: file, sourceUrl })
    expect(check.problems).toEqual([
      'field upload: no table field_revision_upload in the source, but field_data_upload exists (a dump without revision tables?); set source.fieldTables: data to read the current values from field_data_*',
    ])
  })

  it('a misspelled node.* path, now read as a field, is told the source it resembles', async () => {
    const file = join(dir, 'story-typo.yaml')
    await writeFile(file, STORY_MAPPING('data').replace('fields:\n', 'fields:\n  title: nodes.title\n'))
    const check = await runCheck({ mapping: await loadMapping(file), mappingFile: file, sourceUrl })
    expect(check.problems).toEqual([
      'field nodes: no table field_data_nodes in the source; did you mean node.*?',
    ])
  })

  it('the scaffold of story reads field_data_* (saying why), passes check and migrates every story with its attachment', async () => {
    const file = join(dir, 'story-scaffold.yaml')
    const inventory = await readInventory(sourceUrl)
    const story = inventory.bundles.find((b) => b.type === 'story')
    if (!story) throw new Error('no story bundle')
    const text = scaffoldMapping(inventory, story, 'd6-story')
    expect(text).toContain(
      '  # This database has no field_revision_upload: values come from field_data_*, the\n',
    )
    expect(text).toContain('  fieldTables: data\n')
    expect(text).toContain('subjects: { from: taxonomy_vocabulary_2.tid, using: [terms] }')
    await writeFile(file, text)
    const mapping = await loadMapping(file)
    expect((await runCheck({ mapping, mappingFile: file, sourceUrl })).problems).toEqual([])

    const targetUrl = await createPgDb(pgDb)
    const run = await runMigration({ mapping, mappingFile: file, sourceUrl, targetUrl, reportsDir: dir })
    const stories = await mariaQuery<{ nid: number; fid: number | null }>(
      sourceUrl,
      `SELECT n.nid, u.upload_fid AS fid FROM node n
       LEFT JOIN field_data_upload u ON u.entity_id = n.nid AND u.deleted = 0 AND u.delta = 0
       WHERE n.type = 'story' ORDER BY n.nid`,
    )
    expect(run.counts).toMatchObject({ read: stories.length, inserted: stories.length, rejected: 0 })
    const articles = await pgQuery<{ nid: number; fid: number | null }>(
      targetUrl,
      `SELECT a.legacy_nid AS nid, m.legacy_fid AS fid FROM article a
       LEFT JOIN media_file m ON m.id = a.pdf_file_id WHERE a.site = 'd6-story' ORDER BY a.legacy_nid`,
    )
    expect(articles).toEqual(stories)
    expect(stories.filter((s) => s.fid !== null).length).toBeGreaterThan(3)
  })
})
