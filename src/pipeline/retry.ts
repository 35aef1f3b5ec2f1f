import { setTimeout as sleep } from 'node:timers/promises'
import { redactUrl } from '../config/redact.js'
import { TargetError } from '../errors.js'
import type { RunListener } from './events.js'

/**
 * Postgres SQLSTATEs and socket codes after which the same transaction, sent again on a new
 * connection, can succeed: the server restarted or killed the session (57P01-57P03, class 08),
 * or the transaction lost a serialization / deadlock race (40001, 40P01).
 */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '40001',
  '40P01',
])

// pg reports a socket closed under a query without a code, only with these messages.
const TRANSIENT_MESSAGES = [
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  'terminating connection due to administrator command',
]

/**
 * Whether `error` (or any error in its `cause` chain: TargetError wraps the pg error) is a lost
 * connection or a lost race rather than a problem with the data or the schema.
 */
export function isTransientTargetError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((m) => message.includes(m))) return true
  }
  return false
}

export interface RetryOptions {
  /** Total tries, the first included (default 4). */
  readonly attempts?: number
  /** Wait before the second try; doubled for each further one (default 500 ms: 0.5 + 1 + 2 s). */
  readonly baseMs?: number
  /** Which errors are worth another try (default: none). */
  readonly isTransient?: (error: unknown) => boolean
  /** Called before each wait, e.g. to log "retrying in 1.0 s". */
  readonly onRetry?: (info: { attempt: number; attempts: number; delayMs: number; error: unknown }) => void
}

/** A transient error that was still there after the last try; `cause` is the last error. */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError'
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`failed ${attempts} time(s): ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
}

/**
 * Run `fn` and, when it fails with an error `isTransient` accepts, run it again after an
 * exponential backoff. `fn` must be safe to repeat: here it is one batch's whole target
 * transaction (idempotent upserts keyed by site + nid), so a retry after a commit whose
 * acknowledgement was lost writes nothing new.
 *
 * @example
 *   await withRetry(() => inTransaction(pool, url, (c) => loadBatch(c, …)), {
 *     isTransient: isTransientTargetError,
 *     onRetry: ({ delayMs }) => log(`retrying in ${delayMs} ms`),
 *   })
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? 4)
  const baseMs = opts.baseMs ?? 500
  const isTransient = opts.isTransient ?? (() => false)
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      if (!isTransient(error)) throw error
      if (attempt >= attempts) throw new RetriesExhaustedError(attempts, error)
      const delayMs = baseMs * 2 ** (attempt - 1)
      opts.onRetry?.({ attempt, attempts, delayMs, error })
      await sleep(delayMs)
    }
  }
}

/**
 * One batch's target transaction, retried on a lost connection (server restart, killed session,
 * failover) with a log line per retry; when the connection stays lost the run stops with a message
 * saying how to resume. Committed batches are durable and every batch is idempotent, so rerunning
 * the command continues where this one stopped.
 */
export async function retryTargetBatch<T>(
  fn: () => Promise<T>,
  ctx: { readonly command: 'migrate' | 'sync'; readonly targetUrl: string; readonly emit: RunListener },
  opts: Pick<RetryOptions, 'attempts' | 'baseMs'> = {},
): Promise<T> {
  try {
    return await withRetry(fn, {
      attempts: opts.attempts ?? TARGET_RETRY.attempts,
      baseMs: opts.baseMs ?? TARGET_RETRY.baseMs,
      isTransient: isTransientTargetError,
      onRetry: ({ attempt, attempts, delayMs, error }) =>
        ctx.emit({
          kind: 'phase',
          message:
            `target connection lost during a batch (${describeCause(error)}); ` +
            `retrying in ${(delayMs / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${attempts})`,
        }),
    })
  } catch (error) {
    if (!(error instanceof RetriesExhaustedError)) throw error
    throw new TargetError(
      `the target Postgres at ${redactUrl(ctx.targetUrl)} failed ${error.attempts} times in a row ` +
        `(${describeCause(error.cause)}); rerun dhm ${ctx.command} to resume: committed batches are kept`,
      { cause: error.cause },
    )
  }
}

/** Tries per batch and the first backoff; the waits add up to 3.5 s, enough for a Postgres restart. */
export const TARGET_RETRY = { attempts: 4, baseMs: 500 } as const

/** The innermost code and message, e.g. "57P01 terminating connection due to administrator command". */
function describeCause(error: unknown): string {
  let e = error as { code?: string; message?: string; cause?: unknown }
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e
  return `${e.code ?? ''} ${e.message ?? String(e)}`.trim()
}
