// The README's cut-over, as a user runs it: migrate, editors delete an article in Drupal, a last
// `dhm sync --full` retires it with the default policy (unpublish), and `dhm verify` must exit 0.
// Then a newcomer's start: `dhm inspect --scaffold` for two bundles of one database.

import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import {
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'
import { connectMaria, deleteNode } from '../helpers/drupal-edits.js'

const sourceDb = uniqueName('e2e_cut_src')
const source = mariaUrl(sourceDb)
let reports = ''

beforeAll(async () => {
  reports = await mkdtemp(join(tmpdir(), 'dhm-e2e-cut-'))
  await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: 120, seed: 8 })
})

afterAll(async () => {
  await dropMariaDb(sourceDb)
  await rm(reports, { recursive: true, force: true })
})

describe('cut-over from the command line', () => {
  const targetDb = uniqueName('e2e_cut_tgt')
  const target = pgUrl(targetDb)
  const dhm = (args: string[]) =>
    runDhm([...args, '--source', source, '--target', target, '--reports-dir', reports])

  afterAll(async () => {
    await dropPgDb(targetDb)
  })

  it('an article deleted in Drupal: sync --full retires it, verify exits 0 and lists it as retired', async () => {
    expect((await dhm(['migrate', '--quiet'])).code).toBe(0)
    // A published article no other body links to (deleting a link target rightly changes the linker).
    const [row] = await mariaQuery<{ nid: number }>(
      source,
      `SELECT n.nid FROM node n WHERE n.type = 'article' AND n.status = 1 AND NOT EXISTS (
         SELECT 1 FROM field_revision_body b WHERE b.body_value LIKE CONCAT('%node/', n.nid, '"%'))
       ORDER BY n.nid LIMIT 1`,
    )
    const nid = Number(row?.nid)
    const [{ title } = { title: '' }] = await pgQuery<{ title: string }>(
      target,
      'SELECT title FROM article WHERE legacy_nid = $1',
      [nid],
    )
    const conn = await connectMaria(source)
    try {
      await deleteNode(conn, nid)
    } finally {
      await conn.end()
    }
    const before = await dhm(['verify', '--quiet'])
    expect(before.code).toBe(4)
    expect(before.stdout).toMatch(/extra in target 1, /)

    const sync = await dhm(['sync', '--full', '--quiet'])
    expect(sync.stdout).toMatch(/, deleted 1 in /)
    expect(
      await pgQuery(target, 'SELECT published, is_live FROM article WHERE legacy_nid = $1', [nid]),
    ).toEqual([{ published: false, is_live: false }])

    const verify = await dhm(['verify'])
    expect(verify.code).toBe(0)
    // The fast path's line (how many articles their fingerprints settled) is not what this test is about.
    const lines = verify.stdout
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('fast path: '))
    expect(lines[0]).toMatch(
      /^matched \d+, missing in target 0, extra in target 0, changed 0, rejected 0, retired in target 1 \(read \d+, filtered 0\) in \d+\.\ds$/,
    )
    expect(lines[1]).toBe(
      'retired in target: Gone from the source (or filtered out by the mapping) and already unpublished or soft-deleted in the target, as dhm sync leaves them: consistent, not a difference',
    )
    const html = /^report: (.*) \(also report\.md, report\.json\)$/.exec(lines[2] ?? '')?.[1] ?? ''
    const json = JSON.parse(await readFile(html.replace(/report\.html$/, 'report.json'), 'utf8'))
    expect(json.counts).toMatchObject({ extra: 0, retired: 1 })
    expect(json.retired).toEqual([
      {
        legacyNid: nid,
        title,
        state: 'unpublished',
        reason: 'not in the source (deleted, or no longer of a mapped bundle)',
      },
    ])
  })
})

describe('scaffolds of two bundles of one database', () => {
  const targetDb = uniqueName('e2e_scaffold_tgt')
  const target = pgUrl(targetDb)
  const file = (name: string) => join(reports, name)
  const dhm = (args: string[]) => runDhm([...args, '--source', source])
  const sited = (args: string[]) => dhm([...args, '--target', target, '--reports-dir', reports])

  afterAll(async () => {
    await dropPgDb(targetDb)
  })

  it('get a site each (database and bundle), both pass dhm check, and syncing one leaves the other alone', async () => {
    const site = sourceDb.replaceAll('_', '-')
    const article = await dhm(['inspect', '--scaffold', 'article', '--out', file('a.yaml')])
    const blog = await dhm(['inspect', '--scaffold', 'blog', '--out', file('b.yaml')])
    expect(article.stdout).toContain(`wrote ${file('a.yaml')} (site ${site}-article); `)
    expect(blog.stdout).toContain(`wrote ${file('b.yaml')} (site ${site}-blog); `)
    expect(await readFile(file('b.yaml'), 'utf8')).toContain(`\nsite: ${site}-blog\n`)
    for (const f of ['a.yaml', 'b.yaml']) expect((await dhm(['check', '--mapping', file(f)])).code).toBe(0)

    expect((await sited(['migrate', '--mapping', file('b.yaml'), '--quiet'])).code).toBe(0)
    const sync = await sited(['sync', '--mapping', file('a.yaml'), '--json', '--quiet'])
    expect(sync.code).toBe(0)
    expect(JSON.parse(sync.stdout)).toMatchObject({ deleted: 0 })
    const [published] = await mariaQuery<{ n: number }>(
      source,
      "SELECT COUNT(*) AS n FROM node WHERE type = 'blog' AND status = 1",
    )
    expect(
      await pgQuery(
        target,
        "SELECT site, count(*) FILTER (WHERE published)::int AS published FROM article WHERE bundle = 'blog' GROUP BY site",
      ),
    ).toEqual([{ site: `${site}-blog`, published: Number(published?.n) }])
  })

  it('--site must already be a site key: "My Site" is refused with exit 2 and a suggestion, nothing written', async () => {
    const r = await dhm(['inspect', '--scaffold', 'article', '--site', 'My Site', '--out', file('c.yaml')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatchInlineSnapshot(`
      "dhm: --site "My Site" is not a site key: use lowercase letters, digits and - (not at the start), e.g. --site my-site. The key is stored with every article and is what dhm status --site takes; put a display name in the mapping's description.
      "
    `)
    expect(existsSync(file('c.yaml'))).toBe(false)

    const ok = await dhm(['inspect', '--scaffold', 'article', '--site', 'my-site', '--out', file('c.yaml')])
    expect(ok.stdout).toContain('(site my-site)')
    expect((await dhm(['check', '--mapping', file('c.yaml')])).code).toBe(0)
  })

  it('--out never replaces an existing mapping unless --force says so', async () => {
    await writeFile(file('edited.yaml'), '# my edits\n')
    const r = await dhm(['inspect', '--scaffold', 'article', '--out', file('edited.yaml')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`--out ${file('edited.yaml')} already exists`)
    expect(await readFile(file('edited.yaml'), 'utf8')).toBe('# my edits\n')

    const forced = await dhm(['inspect', '--scaffold', 'article', '--out', file('edited.yaml'), '--force'])
    expect(forced.code).toBe(0)
    expect(await readFile(file('edited.yaml'), 'utf8')).toContain('\nsite: ')
  })
})
