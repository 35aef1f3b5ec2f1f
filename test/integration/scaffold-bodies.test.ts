// The bodies of a scaffolded site (issue #21 item 6): `dhm inspect` samples a bundle's bodies,
// finds the old site's own host from the links that point at its nodes, aliases or files, and the
// scaffold proposes the body-html rules they need; a migration with it lists every link it could
// not resolve, with its node, in the run report. Expectations come from plain SQL on the source.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readInventory } from '../../src/cli/commands/inspect.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { scaffoldMapping } from '../../src/inspect/scaffold-mapping.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runCheck } from '../../src/pipeline/run-check.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runVerify } from '../../src/pipeline/run-verify.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  mariaUrl,
  uniqueName,
} from '../helpers/databases.js'

const mariaDb = uniqueName('bodies_src')
const pgDb = uniqueName('bodies_dst')
const sourceUrl = mariaUrl(mariaDb)
let dir = ''

const count = async (where: string) => {
  const [r] = await mariaQuery<{ n: number }>(
    sourceUrl,
    `SELECT COUNT(*) AS n FROM field_data_body WHERE entity_type = 'node' AND bundle = 'article' AND deleted = 0 AND (${where})`,
  )
  return Number(r?.n)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dhm-bodies-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 200, seed: 3 })
}, 120_000)

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('inspect --scaffold proposes the body rules a sample of the bodies needs', () => {
  let scaffold = ''

  it('samples the bodies: node links, media tokens, and the old site host told from other hosts', async () => {
    const inv = await readInventory(sourceUrl)
    const article = inv.bundles.find((b) => b.type === 'article')
    const sample = article?.bodies
    expect(sample?.field).toBe('body')
    expect(sample?.sampled).toBe(await count('1'))
    expect(sample?.nodeLinks).toBe(await count(`body_value REGEXP 'href=["\\']/?node/[0-9]+/?["\\']'`))
    expect(sample?.mediaTokens).toBe(await count(`body_value LIKE '%[[{"fid"%'`))
    const own = sample?.hosts.find((h) => h.host === 'www.intellinews.com')
    expect(own?.bodies).toBe(await count(`body_value LIKE '%href="https://www.intellinews.com/%'`))
    expect(own?.internal).toBeGreaterThan(0)
    // A host the bodies cite but that holds none of the site's nodes, aliases or files.
    const reuters = sample?.hosts.find((h) => h.host === 'www.reuters.com')
    expect(reuters?.bodies).toBe(await count(`body_value LIKE '%//www.reuters.com/%'`))
    expect(reuters?.internal).toBe(0)

    if (!article) throw new Error('no article bundle')
    scaffold = scaffoldMapping(inv, article, 'bodies-article')
    expect(scaffold).toContain(
      '  body: { from: body, using: [first, text-with-summary, { body-html: { mediaTokens: true, fileUris: true, ' +
        'rewriteLinks: { pattern: "/{slug}", siteHosts: [www.intellinews.com] } } }] }\n',
    )
    expect(scaffold).toMatch(/# Other hosts, left as they are: www\.reuters\.com \(\d+\)/)
    expect(scaffold).toContain('#   publicBaseUrl: https://www.intellinews.com/sites/default/files/\n')
  })

  it('the scaffold passes check, migrates and verifies; links it cannot resolve are listed with their node', async () => {
    const file = join(dir, 'scaffold.yaml')
    await writeFile(file, scaffold)
    const mapping = await loadMapping(file)
    expect((await runCheck({ mapping, mappingFile: file, sourceUrl })).problems).toEqual([])
    const targetUrl = await createPgDb(pgDb)
    const run = await runMigration({ mapping, mappingFile: file, sourceUrl, targetUrl, reportsDir: dir })
    expect(run.summary.rejected).toBe(0)
    const content = run.counts.content
    expect(content['link-node']).toBeGreaterThan(0)
    // Media tokens are read (without files.publicBaseUrl their files have no public URL yet).
    expect(Object.keys(content).filter((r) => r.startsWith('media-token'))).not.toEqual([])
    const unresolvedTotal = ['link-missing-node', 'link-unmigrated', 'link-without-slug', 'link-unknown-path']
      .map((r) => content[r] ?? 0)
      .reduce((a, b) => a + b, 0)
    expect(unresolvedTotal).toBeGreaterThan(0)

    const summary = JSON.parse(await readFile(join(run.reportDir ?? '', 'summary.json'), 'utf8'))
    expect(summary.unresolvedLinksFile).toBe('unresolved-links.ndjson')
    const listed = (await readFile(join(run.reportDir ?? '', 'unresolved-links.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { nid: number; attribute: string; rule: string; link: string })
    expect(listed).toHaveLength(unresolvedTotal)
    // Each unmigrated link names a node of another bundle, and its body holds the link.
    for (const l of listed.filter((x) => x.rule === 'link-unmigrated')) {
      const target = /^\/?node\/(\d+) \((\w+) \d+\)$/.exec(l.link)
      const [row] = await mariaQuery<{ type: string }>(sourceUrl, 'SELECT type FROM node WHERE nid = ?', [
        Number(target?.[1]),
      ])
      expect(row?.type).toBe(target?.[2])
      expect(row?.type).not.toBe('article')
      expect(
        await count(`entity_id = ${Number(l.nid)} AND body_value LIKE '%node/${Number(target?.[1])}%'`),
      ).toBe(1)
    }
    const md = await readFile(join(run.reportDir ?? '', 'summary.md'), 'utf8')
    expect(md).toContain('## Links left as they were')
    expect(md).toMatch(
      /\| \d+ \| body \| link-(unmigrated|without-slug|missing-node|unknown-path) \| `[^`]+` \|/,
    )

    const verify = await runVerify({ mapping, mappingFile: file, sourceUrl, targetUrl, reportsDir: dir })
    expect(verify.report.differencesTotal).toBe(0)
  })
})
