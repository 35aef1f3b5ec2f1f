import type pg from 'pg'
import { runIsAliveSql } from './run-log.js'

/**
 * Bulk mode of `dhm migrate` into an empty target (issue #19): the secondary indexes and foreign keys
 * of the tables a first migration fills are dropped before the load and built once after it, instead
 * of being maintained row by row for every batch. The batches themselves are written as always
 * (load-batch.ts COPYs a batch none of whose articles the target has straight into the tables, and
 * the undo log's triggers record it for `dhm rollback`); primary keys and unique indexes stay, so
 * the load keeps its guarantees (one article per (site, nid), redirects keyed as usual).
 *
 * What was dropped is written down first, in the run's own migration_run row (`params.bulkLoad`),
 * in the transaction that drops it: each object's name and the statement that recreates it exactly
 * (as Postgres prints its definition, so Prisma sees the schema its migrations made). A run killed
 * during the load leaves that record behind, and the next run of any kind that opens the target
 * ({@link finishDeadBulkLoads}) rebuilds what is missing before it writes a row.
 */

/** The tables a bulk load defers the secondary indexes and foreign keys of. */
export const BULK_TABLES = ['article', 'article_term', 'redirect'] as const

/** One index or foreign key the load dropped, and how to make it again. */
export interface DeferredObject {
  readonly kind: 'index' | 'foreign key'
  readonly table: string
  readonly name: string
  /** `CREATE INDEX …` or `ALTER TABLE … ADD CONSTRAINT …`, as Postgres prints the object. */
  readonly create: string
}

/** What `params.bulkLoad` of a run holds while its load runs ('loading') and after ('done'). */
export interface BulkLoadRecord {
  readonly state: 'loading' | 'done'
  readonly deferred: readonly DeferredObject[]
}

const LOCK_TIMEOUT = '5s'
const LOCK_NOT_AVAILABLE = '55P03'

const TABLE_LIST = BULK_TABLES.map((t) => `'${t}'`).join(', ')

/**
 * Indexes every batch reads through, kept during a bulk load: the target fingerprint of a batch
 * (load/target-fingerprint.ts) and the redirect writer look up the batch's redirects by article, a
 * scan of the whole table per batch without it (quadratic over a large site).
 */
const KEPT_INDEXES = ['redirect_article_id_idx'] as const

// Non-unique secondary indexes (a unique index or primary key is a constraint the load relies on),
// and foreign keys declared on the bulk tables. Only objects of the current schema's tables.
const READ_DEFERRABLE = `
SELECT 'index' AS kind, c.relname AS table, i.relname AS name, pg_get_indexdef(i.oid) AS create
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN (${TABLE_LIST})
  AND NOT x.indisunique AND NOT x.indisprimary AND i.relname NOT IN (${KEPT_INDEXES.map((n) => `'${n}'`).join(', ')})
UNION ALL
SELECT 'foreign key', c.relname, k.conname,
  format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace AND c.relname IN (${TABLE_LIST})
ORDER BY 1, 2, 3`

/**
 * Start a bulk load for run `runId` when the target holds no article at all (of any site: the
 * indexes are shared, and rebuilding them over another site's rows, or leaving another site's
 * concurrent sync without them, would cost more than the load gains). Returns what was dropped,
 * or null when the target is not empty or its tables stay locked by someone else for 5 s (then the
 * run writes as usual). One transaction: the check, the record and the drops commit together or
 * not at all.
 */
export async function startBulkLoad(pool: pg.Pool, runId: number): Promise<readonly DeferredObject[] | null> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    // Nobody writes the bulk tables while they are checked and their indexes dropped (DROP INDEX
    // takes this lock anyway; taking it first makes the emptiness check hold until the commit).
    // Someone else holding them (a reader, another run) only costs the bulk mode, never the run.
    await client.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`)
    try {
      await client.query(`LOCK TABLE ${BULK_TABLES.join(', ')} IN ACCESS EXCLUSIVE MODE`)
    } catch (error) {
      if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error
      await client.query('ROLLBACK')
      return null
    }
    const { rows: any } = await client.query('SELECT 1 FROM article LIMIT 1')
    if (any.length > 0) {
      await client.query('ROLLBACK')
      return null
    }
    const { rows: deferred } = await client.query<DeferredObject>(READ_DEFERRABLE)
    const record: BulkLoadRecord = { state: 'loading', deferred }
    await client.query(
      `UPDATE migration_run SET params = params || jsonb_build_object('bulkLoad', $2::jsonb) WHERE id = $1`,
      [runId, JSON.stringify(record)],
    )
    // Foreign keys first: a constraint may depend on an index.
    for (const o of [...deferred].sort((a, b) =>
      a.kind === b.kind ? 0 : a.kind === 'foreign key' ? -1 : 1,
    )) {
      await client.query(
        o.kind === 'index'
          ? `DROP INDEX ${quote(o.name)}`
          : `ALTER TABLE ${quote(o.table)} DROP CONSTRAINT ${quote(o.name)}`,
      )
    }
    await client.query('COMMIT')
    return deferred
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/**
 * Build again what run `runId`'s bulk load dropped and mark its load done, in one transaction:
 * indexes first (a foreign key's check uses them), then the foreign keys, each validated over the
 * loaded rows. Objects that exist already are skipped, so finishing twice is harmless. Returns the
 * number of objects built.
 */
export async function finishBulkLoad(pool: pg.Pool, runId: number): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query<{ record: BulkLoadRecord | null }>(
      `SELECT params->'bulkLoad' AS record FROM migration_run WHERE id = $1 FOR UPDATE`,
      [runId],
    )
    const record = rows[0]?.record
    if (record?.state !== 'loading') {
      await client.query('ROLLBACK')
      return 0
    }
    let built = 0
    const ordered = [...record.deferred].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'index' ? -1 : 1))
    for (const o of ordered) {
      if (await exists(client, o)) continue
      await client.query(o.create)
      built++
    }
    await client.query(
      `UPDATE migration_run SET params = jsonb_set(params, '{bulkLoad,state}', '"done"') WHERE id = $1`,
      [runId],
    )
    await client.query('COMMIT')
    return built
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/**
 * Finish the bulk loads of runs that died during them (kill -9, a lost host): their indexes and
 * foreign keys are built again before anything else writes the target. A live run's load (its
 * process holds its lock) is left to that run. Returns the runs finished.
 */
export async function finishDeadBulkLoads(pool: pg.Pool): Promise<number[]> {
  const { rows } = await pool.query<{ id: number }>(
    `SELECT r.id FROM migration_run r
     WHERE r.params->'bulkLoad'->>'state' = 'loading' AND NOT ${runIsAliveSql('r')}
     ORDER BY r.id`,
  )
  const finished: number[] = []
  for (const { id } of rows) {
    await finishBulkLoad(pool, id)
    finished.push(id)
  }
  return finished
}

async function exists(client: pg.ClientBase, o: DeferredObject): Promise<boolean> {
  const { rows } =
    o.kind === 'index'
      ? await client.query(
          `SELECT 1 FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace`,
          [o.name],
        )
      : await client.query(`SELECT 1 FROM pg_constraint WHERE conname = $1 AND conrelid = to_regclass($2)`, [
          o.name,
          o.table,
        ])
  return rows.length > 0
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`
