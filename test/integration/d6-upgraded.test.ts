// A Drupal 7 site upgraded from Drupal 6 (the fixture's d6-upgraded profile): fields named as D6 named
// them (taxonomy_vocabulary_2, upload), a node type whose node_type row is gone (story), and a dump
// without field_revision_upload. Expectations come from plain SQL on the source.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readInventory } from '../../src/cli/commands/inspect.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runCheck } from '../../src/pipeline/run-check.js'
import { dropMariaDb, MARIADB_SERVER, mariaQuery, mariaUrl, uniqueName } from '../helpers/databases.js'

const mariaDb = uniqueName('d6_src')
const sourceUrl = mariaUrl(mariaDb)
let dir = ''

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 48, profile: 'd6-upgraded' })
  dir = await mkdtemp(join(tmpdir(), 'dhm-d6-'))
})

afterAll(async () => {
  await dropMariaDb(mariaDb)
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
})
