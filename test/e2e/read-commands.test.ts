// The commands that only read the target (status, verify, export), as a user runs them.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { ARTICLE_ATTRIBUTES } from '../../src/model/article.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm, startDhm } from '../helpers/dhm-process.js'

const ARTICLES = 60

describe('status, verify and export, from the command line', () => {
  const sourceDb = uniqueName('read_src')
  const targetDb = uniqueName('read_tgt')
  const emptyDb = uniqueName('read_empty')
  const source = mariaUrl(sourceDb)
  const target = pgUrl(targetDb)
  let reports = ''

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), 'dhm-read-'))
    await createPgDb(emptyDb)
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: ARTICLES, seed: 5 })
    const r = await runDhm([
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--quiet',
      '--reports-dir',
      reports,
    ])
    expect(r.code, r.stderr).toBe(0)
  })

  afterAll(async () => {
    await dropMariaDb(sourceDb)
    await dropPgDb(targetDb)
    await dropPgDb(emptyDb)
    await rm(reports, { recursive: true, force: true })
  })

  it.each([
    { name: 'status', args: () => ['status'] },
    { name: 'verify --quiet', args: () => ['verify', '--quiet', '--reports-dir', reports] },
    { name: 'export', args: () => ['export', '--mapping', 'mappings/bne.yaml'] },
  ])('$name prints nothing on stderr (no pg warning)', async ({ args }) => {
    const r = await runDhm([...args(), '--source', source, '--target', target])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
  })

  it.each([
    { command: 'export', relation: 'article' },
    { command: 'status', relation: 'migration_run' },
  ])(
    '$command on a database dhm never migrated into says so in one line, exit 1',
    async ({ command, relation }) => {
      const empty = pgUrl(emptyDb)
      // The mapping named, so stderr holds only the explanation (export would say which file it used).
      const r = await runDhm([command, '--target', empty], { DHM_MAPPING: 'mappings/bne.yaml' })
      expect(r.code).toBe(1)
      expect(r.stderr).toBe(
        `dhm: the target Postgres at ${empty} has no migrated schema (relation "${relation}" does not exist). ` +
          'If dhm is to write there, run "dhm migrate" first, which creates it in an empty database; ' +
          'otherwise check --target or DATABASE_URL.\n',
      )
    },
  )

  it('export whose reader stops early (| head -1) ends quietly with exit 0', async () => {
    const run = startDhm(['export', '--mapping', 'mappings/bne.yaml', '--target', target])
    let firstChunk = ''
    run.child.stdout?.once('data', (chunk) => {
      firstChunk = String(chunk)
      run.child.stdout?.destroy()
    })
    const r = await run.done
    expect(firstChunk).toMatch(/^\{"/)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('export --ids: only those articles; a note when none of them is in the target', async () => {
    const all = await runDhm(['export', '--mapping', 'mappings/bne.yaml', '--target', target])
    const nids = all.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).legacyNid as number)
    expect(nids).toHaveLength(ARTICLES)
    // In the model's key order (not jsonb's, which sorts keys by length).
    const first = JSON.parse(all.stdout.split('\n')[0] ?? '{}')
    expect(Object.keys(first)).toEqual(ARTICLE_ATTRIBUTES.filter((k) => k in first))
    expect(Object.keys(first).slice(0, 4)).toEqual(['site', 'legacyNid', 'bundle', 'language'])
    const two = await runDhm([
      'export',
      '--mapping',
      'mappings/bne.yaml',
      '--target',
      target,
      '--ids',
      `${nids[3]},${nids[1]},999999`,
    ])
    expect(two.code).toBe(0)
    expect(
      two.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).legacyNid),
    ).toEqual([nids[1], nids[3]])
    expect(two.stderr).toBe('')
    const none = await runDhm([
      'export',
      '--mapping',
      'mappings/bne.yaml',
      '--target',
      target,
      '--ids',
      '999999',
    ])
    expect(none).toEqual({
      code: 0,
      stdout: '',
      stderr: 'note: the target has no article of site bne with any of the given --ids (999999).\n',
    })
    // No article at all of the mapping's site: most often the wrong mapping; say which sites there are.
    const otherSite = await runDhm([
      'export',
      '--mapping',
      'mappings/drupal7-standard.yaml',
      '--target',
      target,
    ])
    expect(otherSite).toEqual({
      code: 0,
      stdout: '',
      stderr:
        'note: the target has no article of site drupal7-standard; it has runs of site(s) bne: pass the --mapping that names that site.\n',
    })
  })

  it('verify --ids: a note when none of them is a node the mapping selects; none when one is', async () => {
    const [page] = await mariaQuery<{ nid: number }>(
      source,
      "SELECT nid FROM node WHERE type <> 'article' ORDER BY nid LIMIT 1",
    )
    const [article] = await pgQuery<{ nid: number }>(
      target,
      'SELECT legacy_nid AS nid FROM article ORDER BY legacy_nid LIMIT 1',
    )
    expect(page, 'the fixture has a node of another type').toBeDefined()
    expect(article).toBeDefined()
    const verify = (ids: string) =>
      runDhm([
        'verify',
        '--mapping',
        'mappings/bne.yaml',
        '--source',
        source,
        '--target',
        target,
        '--ids',
        ids,
        '--quiet',
        '--reports-dir',
        reports,
      ])

    // An id no node has, and a page (a node, but not of a type the mapping reads).
    const none = await verify(`999999,${page?.nid}`)
    expect(none.code).toBe(0)
    expect(none.stdout).toMatch(
      /^matched 0, missing in target 0, extra in target 0, changed 0, rejected 0 \(read 0, filtered 0\) in /,
    )
    expect(none.stderr).toBe(
      `note: none of the given --ids (999999, ${page?.nid}) is a node the mapping selects (type article); nothing was read.\n`,
    )

    const one = await verify(`999999,${article?.nid}`)
    expect(one.code).toBe(0)
    expect(one.stdout).toMatch(/^matched 1, missing in target 0, extra in target 0, changed 0, rejected 0 /)
    expect(one.stderr).toBe('')
  })
})
