// Bulk mode of `dhm migrate` (src/load/bulk-load.ts) against real databases: a migrate into an
// empty target builds its secondary indexes and foreign keys after the load. The end state must be
// the one a migrate without bulk mode leaves (every table's checksum, and the schema as Postgres
// describes it: the names Prisma's migrations gave), also after a kill -9 during the load and a
// rerun, and `dhm rollback` must undo a bulk run.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runRollback } from '../../src/pipeline/run-rollback.js'
import { runSync } from '../../src/pipeline/run-sync.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'
import { startDhm } from '../helpers/dhm-process.js'
import { snapshotTarget } from '../helpers/target-snapshot.js'
import { waitFor } from '../helpers/wait-for.js'

const MAPPING_FILE = 'mappings/bne.yaml'
const ARTICLES = 300
const mariaDb = uniqueName('bulk_src')
const databases = {
  bulk: uniqueName('bulk_on'),
  plain: uniqueName('bulk_off'),
  killed: uniqueName('bulk_kill'),
  killedSync: uniqueName('bulk_kill_sync'),
}
const sourceUrl = mariaUrl(mariaDb)
const urls: Record<keyof typeof databases, string> = { bulk: '', plain: '', killed: '', killedSync: '' }
let workDir = ''

async function migrate(targetUrl: string, bulkLoad: boolean) {
  return runMigration({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    batchSize: 50,
    reportsDir: workDir,
    bulkLoad,
  })
}

/** The schema as Postgres describes it: every index and constraint of every table, with its definition. */
async function catalog(url: string): Promise<string[]> {
  const rows = await pgQuery<{ line: string }>(
    url,
    `SELECT c.relname || ' index ' || i.relname || ': ' || pg_get_indexdef(i.oid) AS line
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
     WHERE c.relnamespace = 'public'::regnamespace
     UNION ALL
     SELECT c.relname || ' constraint ' || k.conname || ': ' || pg_get_constraintdef(k.oid)
       || CASE WHEN k.convalidated THEN '' ELSE ' NOT VALID' END
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
     WHERE c.relnamespace = 'public'::regnamespace
     UNION ALL
     SELECT c.relname || ' trigger ' || t.tgname || ' ' || t.tgenabled::text
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
     ORDER BY 1`,
  )
  return rows.map((r) => r.line)
}

const bulkState = async (url: string, runId: number) =>
  (
    await pgQuery<{ state: string | null }>(
      url,
      "SELECT params->'bulkLoad'->>'state' AS state FROM migration_run WHERE id = $1",
      [runId],
    )
  )[0]?.state ?? null

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'dhm-bulk-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: ARTICLES, seed: 7 })
  for (const key of Object.keys(databases) as (keyof typeof databases)[]) {
    urls[key] = await createPgDb(databases[key])
  }
}, 120_000)

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await Promise.all(Object.values(databases).map((d) => dropPgDb(d)))
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

describe(`bulk mode of dhm migrate (${ARTICLES} articles, seed 7, batches of 50)`, () => {
  it('a fresh migrate in bulk mode leaves what a migrate without it leaves, schema included', {
    timeout: 120_000,
  }, async () => {
    const bulk = await migrate(urls.bulk, true)
    const plain = await migrate(urls.plain, false)
    expect(bulk.summary.inserted).toBe(plain.summary.inserted)
    expect(await bulkState(urls.bulk, bulk.runId as number)).toBe('done')
    expect(await bulkState(urls.plain, plain.runId as number)).toBeNull()
    expect(await snapshotTarget(urls.bulk)).toEqual(await snapshotTarget(urls.plain))
    const schema = await catalog(urls.plain)
    expect(schema.some((l) => l.startsWith('article_term constraint article_term_article_id_fkey'))).toBe(
      true,
    )
    expect(await catalog(urls.bulk)).toEqual(schema)
  })

  it('a second migrate of a target that has articles writes as usual', { timeout: 60_000 }, async () => {
    const again = await migrate(urls.bulk, true)
    expect(again.summary.unchanged).toBe(ARTICLES - again.summary.rejected - again.summary.filtered)
    expect(await bulkState(urls.bulk, again.runId as number)).toBeNull()
  })

  it.each([
    ['migrate', 'killed'],
    ['sync', 'killedSync'],
  ] as const)(
    'after a kill -9 during the bulk load, the next %s builds what is missing and ends in the same state',
    {
      timeout: 120_000,
    },
    async (next, db) => {
      const url = urls[db]
      const child = startDhm(
        [
          'migrate',
          '--mapping',
          MAPPING_FILE,
          '--source',
          sourceUrl,
          '--target',
          url,
          // Batches of 2 (150 of them): the lock below is taken while the run is still loading, however
          // fast the machine writes a batch (with batches of 50 a quiet machine finished first).
          '--batch-size',
          '2',
          '--reports-dir',
          workDir,
          '--quiet',
        ],
        { DHM_HEAP_CAP: '0' },
      )
      // Once a batch is in, hold the next one mid-write (article_term is written after article), so
      // the kill lands inside the load, not after it.
      const blocker = new pg.Client({ connectionString: url })
      await blocker.connect()
      try {
        // (The table exists once the run has applied the schema migrations.)
        const loaded = () =>
          pgQuery<{ n: number }>(url, 'SELECT count(*)::int AS n FROM article').then(
            (rows) => rows[0]?.n ?? 0,
            () => 0,
          )
        await waitFor(async () => (await loaded()) > 0, 'the migrate to commit its first batch', 60_000)
        await blocker.query('BEGIN')
        await blocker.query('LOCK TABLE article_term IN ACCESS EXCLUSIVE MODE')
        // The writer waits, and so may the fingerprint query of the batch read ahead (its own connection).
        const waiting = async () =>
          ((
            await pgQuery<{ n: number }>(
              url,
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
          )[0]?.n ?? 0) >= 1
        await waitFor(waiting, 'the next batch to wait for article_term', 60_000)
        child.child.kill('SIGKILL')
        await child.done
        await blocker.query('ROLLBACK')
      } finally {
        await blocker.end()
      }
      const [killed] = await pgQuery<{ id: number }>(url, 'SELECT max(id) AS id FROM migration_run')
      const killedId = killed?.id as number
      expect(await bulkState(url, killedId)).toBe('loading')
      const partial = await snapshotTarget(url)
      expect(partial.counts.article).toBeGreaterThan(0)
      expect(partial.counts.article).toBeLessThan(ARTICLES)
      expect(await catalog(url)).not.toEqual(await catalog(urls.plain))

      if (next === 'migrate') expect((await migrate(url, true)).status).toBe('succeeded')
      else {
        await runSync({
          mapping: await loadMapping(MAPPING_FILE),
          mappingFile: MAPPING_FILE,
          sourceUrl,
          targetUrl: url,
          batchSize: 50,
          reportsDir: workDir,
        })
      }
      expect(await bulkState(url, killedId)).toBe('done')
      expect(await snapshotTarget(url)).toEqual(await snapshotTarget(urls.plain))
      expect(await catalog(url)).toEqual(await catalog(urls.plain))
    },
  )

  it('dhm rollback undoes a bulk run: everything it inserted goes', { timeout: 60_000 }, async () => {
    const [first] = await pgQuery<{ id: number }>(urls.bulk, 'SELECT min(id) AS id FROM migration_run')
    const result = await runRollback({ targetUrl: urls.bulk, runId: first?.id as number })
    expect(result.outcome).toBe('rolled-back')
    const after = await snapshotTarget(urls.bulk)
    expect(
      Object.values(after.counts).every((n) => n === 0),
      JSON.stringify(after.counts),
    ).toBe(true)
    expect(await catalog(urls.bulk)).toEqual(await catalog(urls.plain))
  })
})
