import type pg from 'pg'
import { TargetError } from '../errors.js'
import { explainTargetError } from './target-db.js'

/** Run `fn` in one transaction on a pooled client; roll back on any error. */
export async function inTransaction<T>(
  pool: pg.Pool,
  url: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (cause) {
    throw explainTargetError(cause, url)
  }
  // A session killed between two statements is reported as an 'error' event (no query to fail);
  // without a listener it would crash the process. The next statement fails, and the retry handles it.
  let broken: Error | undefined
  const onError = (error: Error) => {
    broken = error
  }
  client.on('error', onError)
  try {
    await client.query('BEGIN')
    // Every batch is idempotent and re-runnable, so a crash losing the last commits costs a re-run,
    // never consistency; not waiting for the WAL flush per batch keeps the writer busy.
    await client.query('SET LOCAL synchronous_commit = off')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    // The session's own error (e.g. 57P01) says why; the statement's is only "not queryable".
    const failure = broken ?? error
    broken ??= error as Error
    if (failure instanceof TargetError) throw failure
    throw (failure as { code?: string }).code ? explainTargetError(failure, url) : failure
  } finally {
    client.off('error', onError)
    // A client that failed is discarded, not pooled: its session may be gone or mid-transaction.
    client.release(broken)
  }
}
