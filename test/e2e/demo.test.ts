import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  dropMariaDb,
  dropPgDb,
  mariaQuery,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'

describe('dhm demo', () => {
  const legacyDb = uniqueName('demo_src')
  const targetDb = uniqueName('demo_tgt')
  const reportDirs: string[] = []
  const filesDir = join(tmpdir(), uniqueName('demo_files'))

  afterAll(async () => {
    await dropMariaDb(legacyDb)
    await dropPgDb(targetDb)
    for (const dir of [...reportDirs, filesDir]) await rm(dir, { recursive: true, force: true })
  })

  it('builds and migrates into the databases named by --legacy-database and --database', async () => {
    const r = await runDhm([
      'demo',
      '--articles',
      '40',
      '--files-dir',
      filesDir,
      '--legacy-database',
      legacyDb,
      '--database',
      targetDb,
    ])
    expect(r.stderr).not.toContain('dhm_demo')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/first run:\n {2}read 40, inserted 40, /)
    expect(r.stdout).toMatch(/second run:\n {2}read 40, inserted 0, updated 0, unchanged 40, /)
    expect(r.stdout).toContain('own databases, write a mapping (or set DHM_MAPPING), and run')
    expect(r.stdout).toMatch(
      /files, first run:\n {2}files (\d+), copied (\d+), skipped 0, missing \d+, failed 0, /,
    )
    expect(r.stdout).toMatch(
      /files, second run:\n {2}files \d+, copied 0, skipped \d+, missing \d+, failed 0, /,
    )
    reportDirs.push(
      ...[...r.stdout.matchAll(/(reports\/\S+?)\/(?:summary\.json|report\.md)/g)].map((m) => m[1] as string),
    )
    const nodes = await mariaQuery<{ n: number }>(mariaUrl(legacyDb), 'SELECT COUNT(*) AS n FROM node')
    expect(Number(nodes[0]?.n)).toBeGreaterThanOrEqual(40)
    const articles = await pgQuery<{ n: string }>(pgUrl(targetDb), 'SELECT count(*) AS n FROM article')
    expect(Number(articles[0]?.n)).toBe(40)
  })

  it('refuses a database name that is not a plain identifier, exit 2, saying what to give', async () => {
    const r = await runDhm(['demo', '--database', 'site;drop'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--database "site;drop": the demo drops and re-creates this database')
    expect(r.stderr).toContain('e.g. --database my_demo')
  })
})
