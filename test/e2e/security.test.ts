import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import {
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'

const dhm = async (args: string[]) => {
  const r = await runDhm(args)
  return { code: r.code, out: r.stdout + r.stderr }
}

/** Every file under a folder, concatenated: reports must not leak secrets either. */
async function readTree(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
  return (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n')
}

describe('security: a SELECT-only source user, and passwords that never leak', () => {
  const sourceDb = uniqueName('sec_src')
  const targetDb = uniqueName('sec_tgt')
  const user = `dhm_ro_${randomBytes(3).toString('hex')}`
  // A password with URL-special characters, planted to be searched for in every output.
  const password = `Pl4nt3d-${randomBytes(6).toString('hex')}`
  let source: string
  let reports: string

  beforeAll(async () => {
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: 120, seed: 5 })
    await mariaQuery(`${MARIADB_SERVER}/${sourceDb}`, `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`)
    await mariaQuery(
      `${MARIADB_SERVER}/${sourceDb}`,
      `CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`,
    )
    for (const host of ['%', 'localhost']) {
      await mariaQuery(
        `${MARIADB_SERVER}/${sourceDb}`,
        `GRANT SELECT ON \`${sourceDb}\`.* TO '${user}'@'${host}'`,
      )
    }
    source = `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:3306/${sourceDb}`
    reports = await mkdtemp(join(tmpdir(), 'dhm-sec-'))
  })

  afterAll(async () => {
    for (const host of ['%', 'localhost']) {
      await mariaQuery(`${MARIADB_SERVER}/${sourceDb}`, `DROP USER IF EXISTS '${user}'@'${host}'`)
    }
    await dropMariaDb(sourceDb)
    await dropPgDb(targetDb)
    await rm(reports, { recursive: true, force: true })
  })

  it('the SELECT-only user cannot write (the premise of the next test)', async () => {
    await expect(mariaQuery(source, "UPDATE node SET title = 'x' WHERE nid = 1")).rejects.toThrow(
      /UPDATE command denied/,
    )
  })

  it('migrate, migrate --dry-run, verify and sync work with nothing but SELECT on the source', async () => {
    const target = `postgresql://postgres@127.0.0.1:5432/${targetDb}`
    const common = ['--source', source, '--target', target, '--reports-dir', reports, '--verbose']
    const first = await dhm(['migrate', ...common])
    expect(first.out).toMatch(/read 120, inserted 120/)
    expect(first.code).toBe(0)
    const dry = await dhm(['migrate', '--dry-run', ...common])
    expect(dry.code).toBe(0)
    const verify = await dhm(['verify', ...common])
    expect(verify.out).toMatch(/matched 120, missing in target 0, extra in target 0, changed 0, rejected 0/)
    expect(verify.code).toBe(0)
    const sync = await dhm(['sync', ...common])
    expect(sync.code).toBe(0)
    const sync2 = await dhm(['sync', ...common])
    expect(sync2.code).toBe(0)
    expect([first, dry, verify, sync, sync2].map((r) => r.out).join('\n')).not.toContain(password)
  })

  it.each([
    {
      name: 'wrong source password',
      args: () => [
        '--source',
        source.replace(encodeURIComponent(password), `${encodeURIComponent(password)}x`),
      ],
    },
    {
      name: 'unreachable target',
      args: () => ['--source', source, '--target', `postgresql://postgres:${password}@127.0.0.1:1/nowhere`],
    },
    {
      name: 'bad target database name',
      args: () => ['--source', source, '--target', `postgresql://nobody:${password}@127.0.0.1:5432/x`],
    },
  ])('$name: the error is clear, even with --verbose the password is not printed', async ({ args }) => {
    const r = await dhm(['migrate', '--reports-dir', reports, '--verbose', ...args()])
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/^dhm: /m)
    expect(r.out).not.toContain(password)
  })

  it('no report file contains the password', async () => {
    const text = await readTree(reports)
    expect(text.length).toBeGreaterThan(0)
    expect(text).toContain(`${user}:***@`)
    expect(text).not.toContain(password)
  })
})

/** report.json files under a folder, by the command that wrote them (e.g. `verify`, `migrate`). */
async function reportJsons(dir: string): Promise<Record<string, unknown>[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = entries
    .filter((e) => e.isFile() && e.name === 'report.json')
    .map((e) => join(e.parentPath, e.name))
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as Record<string, unknown>))
}

/** A report without what differs between two runs of the same comparison: times, ids and the URLs. */
function comparable(report: Record<string, unknown>): unknown {
  const params = { ...(report.params as Record<string, unknown>), source: '(url)', target: '(url)' }
  return JSON.parse(
    JSON.stringify({ ...report, params }, (key, value) =>
      /^(timings|startedAt|finishedAt|generatedAt|runId|reportDir)$/.test(key) ? '(varies)' : value,
    ),
  )
}

describe('security: passwords in URL query parameters, and passwords as short as "2" or "true"', () => {
  const sourceDb = uniqueName('secq_src')
  const targetDb = uniqueName('secq_tgt')
  const user = `dhm_q_${randomBytes(3).toString('hex')}`
  let source: string
  let target: string
  let plainSource: string
  let plainTarget: string
  let reports: string
  let plainReports: string

  beforeAll(async () => {
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: 40, seed: 9 })
    for (const host of ['%', 'localhost']) {
      await mariaQuery(`${MARIADB_SERVER}/${sourceDb}`, `CREATE USER '${user}'@'${host}' IDENTIFIED BY 'x2'`)
      await mariaQuery(
        `${MARIADB_SERVER}/${sourceDb}`,
        `GRANT SELECT ON \`${sourceDb}\`.* TO '${user}'@'${host}'`,
      )
    }
    // Passwords too short to be registered for text search (< 3 characters) or common words, in the
    // user-info and as a query parameter (mysql2 authenticates with the user-info one and ignores a
    // password parameter, which must be masked all the same; trust auth on the target accepts any).
    const s = new URL(`${MARIADB_SERVER}/${sourceDb}`)
    s.username = user
    s.password = 'x2'
    s.search = '?password=x2'
    source = s.toString()
    const t = new URL(pgUrl(targetDb))
    t.password = 'true'
    t.search = '?password=2&application_name=dhm-e2e'
    target = t.toString()
    plainSource = `${MARIADB_SERVER}/${sourceDb}`
    plainTarget = pgUrl(targetDb)
    reports = await mkdtemp(join(tmpdir(), 'dhm-secq-'))
    plainReports = await mkdtemp(join(tmpdir(), 'dhm-secq-plain-'))
  })

  afterAll(async () => {
    for (const host of ['%', 'localhost']) {
      await mariaQuery(`${MARIADB_SERVER}/${sourceDb}`, `DROP USER IF EXISTS '${user}'@'${host}'`)
    }
    await dropMariaDb(sourceDb)
    await dropPgDb(targetDb)
    await rm(reports, { recursive: true, force: true })
    await rm(plainReports, { recursive: true, force: true })
  })

  /** A secret of the URLs above, as it would appear in any output or file. */
  const LEAK = /password=(?:x2|2)\b|:x2@|:true@/

  it('every command masks them in its output, its reports and the run log; report.json is intact', async () => {
    const common = ['--source', source, '--target', target, '--reports-dir', reports]
    const runs = [
      await dhm(['migrate', ...common]),
      await dhm(['migrate', '--dry-run', ...common]),
      await dhm(['verify', ...common]),
      await dhm(['sync', ...common]),
      await dhm(['status', '--target', target]),
      await dhm(['status', '--json', '--target', target]),
      await dhm(['check', '--mapping', 'mappings/bne.yaml', '--source', source, '--target', target]),
      await dhm(['export', '--mapping', 'mappings/bne.yaml', '--target', target, '--ids', '1']),
      await dhm(['report', '--last', '--reports-dir', reports]),
      // A failure names the URL: masked there too (the example: a user Postgres does not know).
      await dhm(['status', '--target', target.replace(/\/\/[^:]+:/, '//dhm_no_such_user:')]),
    ]
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    expect(runs.at(-1)?.out).toMatch(
      /authentication failed for the target Postgres at postgresql:\/\/dhm_no_such_user:\*\*\*@/,
    )
    const out = runs.map((r) => r.out).join('\n')
    expect(out).toContain('password=***')
    expect(out).not.toMatch(LEAK)

    const files = await readTree(reports)
    expect(files).toContain('password=***')
    expect(files).not.toMatch(LEAK)
    // Every JSON file still parses (replacing a password such as "true" in rendered text broke them).
    const jsonFiles = (await readdir(reports, { recursive: true })).filter((f) => f.endsWith('.json'))
    expect(jsonFiles.length).toBeGreaterThanOrEqual(4)
    for (const f of jsonFiles) JSON.parse(await readFile(join(reports, f), 'utf8'))
    const rows = await pgQuery<{ params: unknown; counts: unknown }>(
      plainTarget,
      'SELECT params, counts FROM migration_run',
    )
    expect(rows.length).toBeGreaterThan(0)
    expect(JSON.stringify(rows)).not.toMatch(LEAK)

    // The same verify without any password: report.json the same apart from the URLs.
    const plain = await dhm([
      'verify',
      '--source',
      plainSource,
      '--target',
      plainTarget,
      '--reports-dir',
      plainReports,
    ])
    expect(plain.code).toBe(0)
    const [masked] = (await reportJsons(reports)).filter((r) => r.kind === 'verify')
    const [unmasked] = await reportJsons(plainReports)
    if (!masked || !unmasked) throw new Error('a verify run wrote no report.json')
    expect(masked.params).toMatchObject({
      source: source.replace(':x2@', ':***@').replace('password=x2', 'password=***'),
      target: target.replace(':true@', ':***@').replace('password=2', 'password=***'),
    })
    expect(comparable(masked)).toEqual(comparable(unmasked))
  })
})
