import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { dropMariaDb, dropPgDb, MARIADB_SERVER, mariaQuery, uniqueName } from '../helpers/databases.js'
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
