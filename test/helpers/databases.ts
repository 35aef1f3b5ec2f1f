import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import pg from 'pg'

/** Local servers the tests use (the same defaults as the CLI); overridable for other machines. */
export const MARIADB_SERVER = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306'
export const POSTGRES_SERVER = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432'

/** Prefix of every database the tests create; TEST_DB_PREFIX on a server shared with other work. */
export const TEST_DB_PREFIX = process.env.TEST_DB_PREFIX ?? 'dhm_test_'

/** A database name no other test run will use: dhm_test_<what>_<random>. */
export function uniqueName(what: string): string {
  return `${TEST_DB_PREFIX}${what}_${randomBytes(4).toString('hex')}`
}

export function mariaUrl(database: string): string {
  return `${MARIADB_SERVER}/${database}`
}

export function pgUrl(database: string): string {
  return `${POSTGRES_SERVER}/${database}`
}

export async function dropMariaDb(database: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: MARIADB_SERVER })
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``)
  } finally {
    await conn.end()
  }
}

export async function createPgDb(database: string): Promise<string> {
  const admin = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres` })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`)
  } finally {
    await admin.end()
  }
  return pgUrl(database)
}

export async function dropPgDb(database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres` })
  await admin.connect()
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`)
  } finally {
    await admin.end()
  }
}

/** Run one query on a Postgres database and return its rows. */
export async function pgQuery<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

/** Run one query on a MariaDB database and return its rows. */
export async function mariaQuery<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const conn = await mysql.createConnection({
    uri: url,
    charset: 'utf8mb4_general_ci',
    supportBigNumbers: true,
  })
  try {
    const [rows] = await conn.query(sql, params)
    return rows as T[]
  } finally {
    await conn.end()
  }
}
