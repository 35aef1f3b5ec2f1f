// Two gaps `npm run test:chaos` found, pinned down: a synced target must carry the same redirects as a
// migrated one, and two runs creating the same target database at once must both go on.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { openTarget } from '../../src/load/target-db.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runSync } from '../../src/pipeline/run-sync.js'
import { dropMariaDb, dropPgDb, MARIADB_SERVER, mariaUrl, pgUrl, uniqueName } from '../helpers/databases.js'
import { diffSnapshots, snapshotTarget } from '../helpers/target-snapshot.js'

const MAPPING_FILE = 'mappings/bne.yaml'

describe('targets written by different commands agree', () => {
  const sourceDb = uniqueName('consist_src')
  const migratedDb = uniqueName('consist_mig')
  const syncedDb = uniqueName('consist_sync')
  const racedDbs = [uniqueName('consist_race'), uniqueName('consist_race'), uniqueName('consist_race')]
  let reports = ''

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), 'dhm-consist-'))
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: 300, seed: 5 })
  })

  afterAll(async () => {
    await dropMariaDb(sourceDb)
    await Promise.all([migratedDb, syncedDb, ...racedDbs].map((db) => dropPgDb(db)))
    await rm(reports, { recursive: true, force: true })
  })

  it('a first sync writes what a migration writes, redirects included', async () => {
    const mapping = await loadMapping(MAPPING_FILE)
    const common = { mapping, mappingFile: MAPPING_FILE, sourceUrl: mariaUrl(sourceDb), reportsDir: reports }
    await runMigration({ ...common, targetUrl: pgUrl(migratedDb) })
    const synced = await runSync({ ...common, targetUrl: pgUrl(syncedDb), batchSize: 64 })
    expect(synced.status).toBe('succeeded')
    const expected = await snapshotTarget(pgUrl(migratedDb))
    expect(expected.counts.redirect).toBeGreaterThan(0)
    expect(diffSnapshots(await snapshotTarget(pgUrl(syncedDb)), expected)).toEqual([])
  })

  it('two runs creating the same target database at the same moment both succeed', async () => {
    for (const db of racedDbs) {
      const targets = await Promise.all([0, 1, 2].map(() => openTarget(pgUrl(db), { create: true })))
      await Promise.all(targets.map((t) => t.close()))
    }
  })
})
