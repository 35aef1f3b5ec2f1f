import pg from 'pg'
import { databaseName, withDatabase } from '../config/connections.js'
import { redactUrl } from '../config/redact.js'
import { TargetError, TargetNotDhmError } from '../errors.js'
import type { PrismaClient } from '../generated/prisma/client.js'
import { SchemaNotEmptyError } from './schema-migration-errors.js'
import { LZ4_AVAILABLE } from './toast-compression.js'

export interface Target {
  /** Shared by Prisma and by the bulk path (raw SQL on a pooled client), so both see one database. */
  readonly pool: pg.Pool
  /**
   * A Prisma client on the same pool, made on first call: nothing in a run queries through Prisma today
   * (the bulk path is raw SQL), and loading the client and its WASM query compiler costs ~0.3–0.5 CPU-s
   * of start-up, so only a caller that needs it pays for it.
   */
  prisma(): Promise<PrismaClient>
  readonly url: string
  close(): Promise<void>
}

/**
 * Connect to the target Postgres. With `create`, a database that does not exist yet is created
 * (so `dhm migrate` into a fresh server just works); without it, its absence is an error.
 */
export async function openTarget(url: string, opts: { create?: boolean } = {}): Promise<Target> {
  let lz4: boolean
  try {
    lz4 = await probe(url)
  } catch (cause) {
    if ((cause as { code?: string }).code === '3D000' && opts.create) {
      await createDatabase(url)
      lz4 = await probe(url).catch(() => false)
    } else {
      throw explainTargetError(cause, url)
    }
  }
  // Bodies and documents are TOAST-compressed on write: lz4 where the server has it, instead of the
  // default pglz, halves what Postgres spends writing an article (bench/RESULTS.md). A batch's
  // staging table (load-batch.ts) is ~16 MB: more local buffers than the default 8 MB keep it in
  // memory instead of writing it to disk and reading it back (only settable before a session's
  // first temporary table; allocated only by the session that uses one).
  // jit off: a batch's statements run once each, on a few thousand rows, and a plan whose cost passes
  // jit_above_cost (any plan with a sequential scan under the batches' enable_seqscan = off, such as
  // the merge from the staging table) was compiled by LLVM every time: 58% of the Postgres time of
  // the article merge in a sync that rewrote 5,000 articles (0.74 s of JIT per batch of 2,000).
  const settings = {
    temp_buffers: '64MB',
    jit: 'off',
    ...(lz4 ? { default_toast_compression: 'lz4' } : {}),
  }
  const pool = new pg.Pool({ ...withSessionSettings(url, settings), max: 4 })
  pool.on('error', () => {
    // An idle client lost its connection (server restart); the next checkout reconnects.
  })
  let prisma: Promise<PrismaClient> | null = null
  return {
    pool,
    prisma() {
      prisma ??= (async () => {
        const [{ PrismaClient }, { PrismaPg }] = await Promise.all([
          import('../generated/prisma/client.js'),
          import('@prisma/adapter-pg'),
        ])
        return new PrismaClient({ adapter: new PrismaPg(pool) })
      })()
      return prisma
    },
    url,
    async close() {
      if (prisma !== null) await (await prisma).$disconnect()
      await pool.end()
    },
  }
}

/**
 * {@link openTarget} without creating anything: null when the database does not exist yet, which
 * `dhm migrate --dry-run` plans against as an empty one (everything would be inserted).
 */
export async function openTargetIfExists(url: string): Promise<Target | null> {
  try {
    return await openTarget(url)
  } catch (error) {
    if (error instanceof TargetError && (error.cause as { code?: string } | undefined)?.code === '3D000') {
      return null
    }
    throw error
  }
}

/**
 * Connection config whose sessions start with `settings` in force: they go in the startup packet
 * (libpq's `options`, `-c name=value`), so no SET runs beside the first query of a new pooled
 * client. (A SET sent from the pool's 'connect' event without awaiting it overlapped that query,
 * which pg 8 warns about on every run and pg 9 rejects.) Options already in the URL
 * (`?options=-c%20search_path%3Dapp`) are kept and come last, so they win over ours.
 *
 * @example withSessionSettings('postgresql://app@db/site', { temp_buffers: '64MB' })
 * // → { connectionString: 'postgresql://app@db/site', options: '-c temp_buffers=64MB' }
 */
export function withSessionSettings(
  url: string,
  settings: Readonly<Record<string, string>>,
): { connectionString: string; options: string } {
  const parsed = new URL(url)
  const own = parsed.searchParams.get('options')
  // pg lets a connection string's parameters override the config's, so ours must leave the URL.
  parsed.searchParams.delete('options')
  const ours = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)
  return { connectionString: parsed.toString(), options: [...ours, ...(own ? [own] : [])].join(' ') }
}

/** Connect once (the error says what is wrong); true when the server can compress with lz4. */
async function probe(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    const { rows } = await client.query<{ lz4: boolean | null }>(LZ4_AVAILABLE)
    return rows[0]?.lz4 === true
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function createDatabase(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') })
  const name = databaseName(url)
  try {
    await admin.connect()
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
  } catch (cause) {
    // 42P04: it exists. 23505: another session created it at the same moment (two runs started
    // together, or a killed run whose CREATE DATABASE the server finished anyway).
    const code = (cause as { code?: string }).code
    if (code !== '42P04' && code !== '23505') throw explainTargetError(cause, url)
  } finally {
    await admin.end().catch(() => undefined)
  }
}

/** What the target user needs, in every message about a missing privilege. */
const TARGET_USER_NEEDS =
  "dhm's target user must own the database (or be allowed to create it: CREATEDB) and create tables in " +
  'its schema, e.g. CREATE DATABASE site OWNER app, run as a superuser.'

/**
 * For `dhm migrate --dry-run` against a database that does not exist yet: may the target user create
 * it, as the real run will (CREATEDB or superuser)? When not, throws the TargetError saying that
 * migrate would fail and what the user needs, instead of a plan that promises to create it. Read only.
 */
export async function assertMayCreateDatabase(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') })
  let denied: string | null = null
  try {
    await admin.connect()
    const { rows } = await admin.query<{ role: string; may: boolean }>(
      'SELECT current_user AS role, rolcreatedb OR rolsuper AS may FROM pg_catalog.pg_roles WHERE rolname = current_user',
    )
    if (rows[0]?.may !== true) denied = rows[0]?.role ?? 'the target user'
  } catch (cause) {
    throw explainTargetError(cause, url)
  } finally {
    await admin.end().catch(() => undefined)
  }
  if (denied !== null) {
    throw new TargetError(
      `the target Postgres at ${redactUrl(url)} does not exist and ${denied} may not create databases ` +
        `(no CREATEDB): "dhm migrate" would fail with permission denied to create database. ${TARGET_USER_NEEDS} ` +
        'Check --target or DATABASE_URL.',
    )
  }
}

/** One line that says what failed and what to do, without the password. */
export function explainTargetError(cause: unknown, url: string): TargetError | TargetNotDhmError {
  const e = cause as { code?: string; message?: string }
  const where = `the target Postgres at ${redactUrl(url)}`
  const hint = 'Check --target or DATABASE_URL.'
  if (cause instanceof SchemaNotEmptyError) {
    return new TargetNotDhmError(
      `${where} is not a dhm database: it already holds ${cause.shown} and no migration history ` +
        '(_prisma_migrations), so dhm changed nothing. Point --target or DATABASE_URL at an empty database ' +
        'or at one that does not exist yet (dhm creates it). (Prisma P3005; to adopt an existing schema: ' +
        'https://pris.ly/d/migrate-baseline)',
      { cause },
    )
  }
  const msg = (() => {
    switch (e.code) {
      case 'ECONNREFUSED':
        return `cannot connect to ${where}: connection refused. Is PostgreSQL running? ${hint}`
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `cannot resolve the host of ${where}. ${hint}`
      case '28P01':
      case '28000':
        return `authentication failed for ${where}: wrong user or password. ${hint}`
      case '3D000':
        return `${where} does not exist. Run "dhm migrate" (it creates it) or fix the database name. ${hint}`
      // Insufficient privilege: creating the database, or tables in its schema (the first run).
      case '42501':
        return `${where}: ${e.message}. ${TARGET_USER_NEEDS} ${hint}`
      case '42P01':
        return (
          `${where} has no migrated schema (${e.message}). If dhm is to write there, run "dhm migrate" first, ` +
          'which creates it in an empty database; otherwise check --target or DATABASE_URL.'
        )
      default:
        return `${where}: ${e.code ?? ''} ${e.message ?? String(cause)}`.trim()
    }
  })()
  return new TargetError(msg, { cause })
}

/** An error Postgres itself returned (it carries a SQLSTATE), as opposed to one of dhm's own. */
export function isPostgresError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError
}
