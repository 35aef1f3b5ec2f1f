// The commands that only read the target (status, verify, export), as a user runs them.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { dropMariaDb, dropPgDb, MARIADB_SERVER, mariaUrl, pgUrl, uniqueName } from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'

const ARTICLES = 60

describe('status, verify and export, from the command line', () => {
  const sourceDb = uniqueName('read_src')
  const targetDb = uniqueName('read_tgt')
  const source = mariaUrl(sourceDb)
  const target = pgUrl(targetDb)
  let reports = ''

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), 'dhm-read-'))
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
    await rm(reports, { recursive: true, force: true })
  })

  it.each([
    { name: 'status', args: () => ['status'] },
    { name: 'verify --quiet', args: () => ['verify', '--quiet', '--reports-dir', reports] },
    { name: 'export', args: () => ['export'] },
  ])('$name prints nothing on stderr (no pg warning)', async ({ args }) => {
    const r = await runDhm([...args(), '--source', source, '--target', target])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
  })
})
