// dhm check --target: what migrate would refuse because of the target itself is a check problem too.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runCheck } from '../../src/pipeline/run-check.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'

const MAPPING = 'mappings/drupal7-standard.yaml'
const mariaDb = uniqueName('chk_src')
const otherDb = uniqueName('chk_other')
const emptyDb = uniqueName('chk_empty')
const sourceUrl = mariaUrl(mariaDb)
let dir = ''

beforeAll(async () => {
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 4, profile: 'standard' })
  const other = await createPgDb(otherDb)
  await pgQuery(other, 'CREATE TABLE legacy_users (id int); CREATE TABLE legacy_posts (id int)')
  await createPgDb(emptyDb)
  dir = await mkdtemp(join(tmpdir(), 'dhm-check-target-'))
})

afterAll(async () => {
  await dropMariaDb(mariaDb)
  for (const db of [otherDb, emptyDb]) await dropPgDb(db)
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('dhm check --target', () => {
  it('reports a target that holds other tables with the line migrate stops at (it said nothing)', async () => {
    const mapping = await loadMapping(MAPPING)
    const targetUrl = pgUrl(otherDb)
    const check = await runCheck({ mapping, mappingFile: MAPPING, sourceUrl, targetUrl })
    const migrate = runMigration({ mapping, mappingFile: MAPPING, sourceUrl, targetUrl, reportsDir: dir })
    await expect(migrate).rejects.toThrow()
    const refusal = await migrate.catch((error: Error) => error.message)
    expect(check.problems).toEqual([`target: ${refusal}`])
    expect(check.problems[0]?.replace(targetUrl, '<target>')).toMatchInlineSnapshot(
      `"target: the target Postgres at <target> is not a dhm database: it already holds legacy_posts, legacy_users and no migration history (_prisma_migrations), so dhm changed nothing. Point --target or DATABASE_URL at an empty database or at one that does not exist yet (dhm creates it). (Prisma P3005; to adopt an existing schema: https://pris.ly/d/migrate-baseline)"`,
    )
  })

  it('an empty target, or one that does not exist yet, is no problem', async () => {
    const mapping = await loadMapping(MAPPING)
    for (const db of [emptyDb, uniqueName('chk_missing')]) {
      const check = await runCheck({ mapping, mappingFile: MAPPING, sourceUrl, targetUrl: pgUrl(db) })
      expect(check.problems).toEqual([])
    }
  })
})
