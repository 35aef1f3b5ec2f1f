import { createHash } from 'node:crypto'
import pg from 'pg'
import { redactUrl } from '../config/redact.js'
import { LockedError } from '../errors.js'
import { LIVENESS_SESSION_SETTINGS } from './run-log.js'
import { explainTargetError, withSessionSettings } from './target-db.js'

export interface SyncLock {
  /** False once the lock's connection dropped (server restart, killed session): the lock is gone. */
  isHeld(): boolean
  release(): Promise<void>
}

/** The advisory-lock key of one site's syncs: the first 8 bytes of sha256("dhm-sync:<site>"). */
export function syncLockKey(site: string): bigint {
  return createHash('sha256').update(`dhm-sync:${site}`).digest().readBigInt64BE(0)
}

/**
 * Take the target's sync lock for `site`, or fail at once with {@link LockedError} (exit 5).
 *
 * A session-level `pg_try_advisory_lock` on a connection of its own, held for the whole run: when
 * the process dies (even kill -9) its connection closes and Postgres frees the lock, so a stale
 * lock never needs clearing by hand. Advisory locks are per database, hence "per target".
 */
export async function acquireSyncLock(targetUrl: string, site: string): Promise<SyncLock> {
  // The keepalives free the lock within about a minute when the sync's host goes down (see run-log.ts).
  const client = new pg.Client({
    ...withSessionSettings(targetUrl, LIVENESS_SESSION_SETTINGS),
    application_name: `dhm sync ${site}`,
  })
  let held = true
  client.on('error', () => {
    // The lock connection dropped (server restart): the lock is gone; the run stops at its next batch.
    held = false
  })
  client.on('end', () => {
    held = false
  })
  const key = syncLockKey(site).toString()
  let acquired = false
  try {
    await client.connect()
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      key,
    ])
    acquired = rows[0]?.ok === true
  } catch (cause) {
    await client.end().catch(() => undefined)
    throw explainTargetError(cause, targetUrl)
  }
  if (!acquired) {
    await client.end().catch(() => undefined)
    throw new LockedError(
      `another dhm sync is running against ${redactUrl(targetUrl)} (site ${site}); this run did nothing. ` +
        'If no sync is running, the lock is freed automatically when its connection closes.',
    )
  }
  return {
    isHeld: () => held,
    async release() {
      // Closing the session releases the lock; no explicit unlock needed.
      await client.end().catch(() => undefined)
    },
  }
}
