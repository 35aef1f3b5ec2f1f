// A Postgres lock a test holds so that a run waits on it at a known point: the run is stopped
// mid-way by the data it writes, not by a pause in its loop, so the test does not depend on timing.

import pg from 'pg'
import { pgQuery, pgUrl } from './databases.js'
import type { DhmProcess } from './dhm-process.js'
import { waitFor } from './wait-for.js'

export interface HeldLock {
  /** Whether a backend waits on a lock in this database now. */
  waiting(): Promise<boolean>
  /** Resolves once a backend of `run` waits on a lock in this database (the run is parked). */
  parked(run: DhmProcess, what: string): Promise<void>
  /** Roll the holding transaction back: the waiting run goes on. Safe to call twice. */
  release(): Promise<void>
}

/**
 * Open a transaction on `url` and run `lockSql` in it (e.g. `SELECT … FOR UPDATE` of an article a
 * later batch writes, or `LOCK TABLE migration_run IN EXCLUSIVE MODE`); the lock is held until
 * `release`.
 */
export async function holdLock(url: string, lockSql: string, params: unknown[] = []): Promise<HeldLock> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('BEGIN')
  await client.query(lockSql, params)
  const database = new URL(url).pathname.slice(1)
  let released = false
  const waiting = async () =>
    (
      await pgQuery(
        pgUrl('postgres'),
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
        [database],
      )
    ).length > 0
  return {
    waiting,
    parked: (run, what) =>
      waitFor(
        async () => {
          if (run.child.exitCode !== null)
            throw new Error(`the run exited (${run.child.exitCode}) instead of waiting:\n${run.stderr()}`)
          return waiting()
        },
        what,
        60_000,
      ),
    release: async () => {
      if (released) return
      released = true
      await client.query('ROLLBACK')
      await client.end()
    },
  }
}
