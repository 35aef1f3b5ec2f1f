import { redactUrl } from '../config/redact.js'
import { SourceQueryError } from '../errors.js'

// mysql2 codes for a connection that is gone: killed (KILL <id>), server restarted, network cut.
const LOST_CODES: ReadonlySet<string> = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
])

/** Whether `error` (or its cause: SourceQueryError wraps the mysql2 error) is a lost connection. */
export function isSourceConnectionLost(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && LOST_CODES.has(code)) return true
    if (typeof message === 'string' && /in closed state|Connection lost/.test(message)) return true
  }
  return false
}

/**
 * The error a run stops with when the Drupal database connection drops mid-read. It is not retried:
 * the run's consistent snapshot died with the connection, and continuing on a new snapshot would mix
 * two points in time in one run (a node edited in between could be read before and after its
 * change). Rerunning is cheap and exact instead: committed batches are kept and unchanged articles
 * are recognised by content hash.
 */
export function explainSourceLoss(
  error: unknown,
  url: string,
  command: 'migrate' | 'sync',
): SourceQueryError {
  let e = error as { code?: string; message?: string; cause?: unknown }
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e
  return new SourceQueryError(
    `lost the connection to the Drupal database at ${redactUrl(url)} mid-read ` +
      `(${`${e.code ?? ''} ${e.message ?? ''}`.trim()}); its snapshot is gone, so this run stops. ` +
      `Rerun dhm ${command} to resume: committed batches are kept and unchanged articles are skipped.`,
    { cause: error },
  )
}
