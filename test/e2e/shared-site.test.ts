// Two mapping files with the same `site` against one target: bne.yaml and an edited copy of it
// (or a scaffold edited to the same site). Articles are keyed by site and nid, so the second one
// would silently overwrite, or mix in with, what the first one wrote. `dhm migrate` (real or dry)
// and `dhm check` warn, naming the other mapping as migration_run records it; the exit code stays
// what it was: sharing a site can be intended (one file replaced the other).

import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import {
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'

const BNE = 'mappings/bne.yaml'
const sourceDb = uniqueName('e2e_shared_src')
const targetDb = uniqueName('e2e_shared_tgt')
const source = mariaUrl(sourceDb)
const target = pgUrl(targetDb)
let work = ''
/** bne.yaml with other bylines: the same site and bundle, other content. */
let copy = ''

const file = (name: string) => join(work, name)
const check = (mapping: string) =>
  runDhm(['check', '--mapping', mapping, '--source', source, '--target', target])
const migrate = (mapping: string, ...flags: string[]) =>
  runDhm([
    'migrate',
    '--mapping',
    mapping,
    ...flags,
    '--quiet',
    '--source',
    source,
    '--target',
    target,
    '--reports-dir',
    work,
  ])
const fingerprint = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
    .slice(0, 12)

/** The newest run of site bne written with `mapping`, as `dhm` prints it: "<command> run <id>, <status>" and when. */
async function lastRun(mapping: string): Promise<{ run: string; when: string }> {
  const [row] = await pgQuery<{ id: number; command: string; status: string; started_at: Date }>(
    target,
    `SELECT id, command, status, started_at FROM migration_run
     WHERE site = 'bne' AND params->>'mapping' = $1 ORDER BY id DESC LIMIT 1`,
    [mapping],
  )
  if (!row) throw new Error(`no run of ${mapping}`)
  return {
    run: `${row.command} run ${row.id}, ${row.status}`,
    when: row.started_at
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC'),
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dhm-e2e-shared-'))
  await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: 200, seed: 11 })
  const bne = await readFile(BNE, 'utf8')
  copy = file('bne-copy.yaml')
  await writeFile(
    copy,
    bne.replace('bylines: { constant: [bne IntelliNews] }', 'bylines: { constant: [bne Staff] }'),
  )
})

afterAll(async () => {
  await dropMariaDb(sourceDb)
  await dropPgDb(targetDb)
  await rm(work, { recursive: true, force: true })
})

describe('two mapping files with the same site on one target', () => {
  it('the first mapping to write the site hears nothing', async () => {
    const first = await migrate(BNE)
    expect(first.code).toBe(0)
    expect(first.stderr).toBe('')
    const checked = await check(BNE)
    expect(checked.code).toBe(0)
    expect(checked.stderr).toBe('')
  })

  it('migrate --dry-run of an edited copy warns, naming bne.yaml, its fingerprint and its last run; the plan and exit code are unchanged', async () => {
    const { run, when } = await lastRun(BNE)
    const r = await migrate(copy, '--dry-run')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^read 200, would insert 0, would update 200, /)
    expect(r.stderr).toBe(
      `dhm: warning: another mapping writes site bne on the target ${targetDb}: ` +
        `${BNE} (fingerprint sha256:${await fingerprint(BNE)}, bundles article) last ran there on ${when} (${run}).\n` +
        `  This mapping is ${copy} (fingerprint sha256:${await fingerprint(copy)}, bundles article). ` +
        'Both read bundle article: each run overwrites the articles the other one wrote (articles are keyed by site and nid).\n' +
        '  Give each mapping its own site (the site: key of one of the two files), or, if sharing site bne is intended ' +
        '(one file replaced the other, or both are meant to fill one site), carry on: this is only a warning.\n',
    )
  })

  it('check of the copy warns the same way and still exits 0', async () => {
    const r = await check(copy)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`${copy}: ok against `)
    expect(r.stderr).toContain(
      `dhm: warning: another mapping writes site bne on the target ${targetDb}: ${BNE} `,
    )
  })

  it('a real migrate of the copy warns before it writes, then runs as usual (a warning, not a refusal)', async () => {
    const r = await migrate(copy)
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(`another mapping writes site bne on the target ${targetDb}: ${BNE} `)
    // What the warning is about: the copy rewrote every article bne.yaml had written.
    expect(r.stdout).toMatch(/^read 200, inserted 0, updated 200, /)
  })

  it('each mapping then hears about the other one, never about an earlier version of itself', async () => {
    const back = await check(BNE)
    const { when } = await lastRun(copy)
    expect(back.stderr).toContain(
      `: ${copy} (fingerprint sha256:${await fingerprint(copy)}, bundles article) last ran there on ${when} (migrate run `,
    )

    // The copy edited again is still the copy (same file): the other mapping is still bne.yaml.
    await writeFile(copy, `${await readFile(copy, 'utf8')}# edited again\n`)
    const edited = await check(copy)
    expect(edited.stderr).toContain(`another mapping writes site bne on the target ${targetDb}: ${BNE} `)
    expect(edited.stderr).not.toContain(`: ${copy} (fingerprint`)
  })

  it('a mapping of other bundles under the same site is told that their articles mix', async () => {
    const blog = file('bne-blog.yaml')
    await writeFile(blog, (await readFile(BNE, 'utf8')).replace('bundles: [article]', 'bundles: [blog]'))
    const r = await check(blog)
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(
      `  This mapping is ${blog} (fingerprint sha256:${await fingerprint(blog)}, bundles blog). ` +
        'Their articles mix under site bne: dhm export and status show both, and a sync of one makes the next sync ' +
        'of the other read everything (the high-water mark is per site).\n',
    )
  })

  it('an identical copy of bne.yaml counts as bne.yaml (same fingerprint): it hears about the edited copy only', async () => {
    const identical = file('bne-identical.yaml')
    await writeFile(identical, await readFile(BNE))
    const r = await check(identical)
    expect(r.stderr).toContain(`another mapping writes site bne on the target ${targetDb}: ${copy} `)
    expect(r.stderr).not.toContain(`: ${BNE} (fingerprint`)
  })

  it('no warning once the copy has a site of its own', async () => {
    const own = file('bne-own-site.yaml')
    await writeFile(own, (await readFile(copy, 'utf8')).replace('\nsite: bne\n', '\nsite: bne-staff\n'))
    const r = await migrate(own, '--dry-run')
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
  })

  it('a sync of bne.yaml warns on every run (cron mails stderr) and still syncs', async () => {
    const sync = () =>
      runDhm([
        'sync',
        '--mapping',
        BNE,
        '--quiet',
        '--source',
        source,
        '--target',
        target,
        '--reports-dir',
        work,
      ])
    const first = await sync()
    expect(first.code).toBe(0)
    expect(first.stderr).toContain(
      `dhm: warning: another mapping writes site bne on the target ${targetDb}: ${copy} `,
    )
    const again = await sync()
    expect(again.code).toBe(0)
    expect(again.stderr).toContain(`another mapping writes site bne on the target ${targetDb}: ${copy} `)
  })

  it('check without a readable target still checks the source, and says what it could not check', async () => {
    const r = await runDhm([
      'check',
      '--mapping',
      copy,
      '--source',
      source,
      '--target',
      'postgresql://postgres@127.0.0.1:1/x',
    ])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(
      'dhm: note: not checked whether another mapping writes site bne: cannot connect to the target Postgres at ' +
        'postgresql://postgres@127.0.0.1:1/x: connection refused. Is PostgreSQL running? Check --target or DATABASE_URL.\n',
    )
  })
})
