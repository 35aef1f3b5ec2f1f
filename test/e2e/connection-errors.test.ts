// What a user sees when a connection URL or the database behind it is not what dhm expects: one line
// saying what is wrong and what to do, the right exit code, and never the password.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'

const SECRET = 's3cr3t'

describe('connection problems, from the command line', () => {
  const notDrupalDb = uniqueName('not_drupal')
  const notDhmDb = uniqueName('not_dhm')
  const drupalDb = uniqueName('drupal')
  const lockedDb = uniqueName('locked')
  const role = uniqueName('role')
  let notDhm = ''

  beforeAll(async () => {
    await mariaQuery(MARIADB_SERVER, `CREATE DATABASE \`${notDrupalDb}\``)
    await mariaQuery(mariaUrl(notDrupalDb), 'CREATE TABLE users (id INT PRIMARY KEY)')
    await generateFixture({ url: MARIADB_SERVER, database: drupalDb, articles: 20, seed: 5 })
    notDhm = await createPgDb(notDhmDb)
    // A role that may connect but neither create a database nor tables in the one it is given.
    await pgQuery(pgUrl('postgres'), `CREATE ROLE ${role} LOGIN`)
    const locked = await createPgDb(lockedDb)
    await pgQuery(locked, 'REVOKE CREATE ON SCHEMA public FROM PUBLIC')
    await pgQuery(notDhm, 'CREATE TABLE customers (id int PRIMARY KEY)')
  })

  afterAll(async () => {
    await dropMariaDb(notDrupalDb)
    await dropPgDb(notDhmDb)
    await dropMariaDb(drupalDb)
    await dropPgDb(lockedDb)
    await pgQuery(pgUrl('postgres'), `DROP ROLE IF EXISTS ${role}`)
  })

  it.each([
    {
      // MariaDB answers ER_ACCESS_DENIED_NO_PASSWORD_ERROR or ER_ACCESS_DENIED_ERROR, depending on the name.
      name: 'an unknown MySQL user without a password',
      args: () => ['inspect', '--source', mariaUrl(notDrupalDb).replace('root@', 'nobody@')],
      code: 1,
      stderr: new RegExp(
        `^dhm: access denied to the Drupal database at mysql://nobody@127\\.0\\.0\\.1:3306/${notDrupalDb}: ` +
          'wrong user or password( \\(the URL gives no password\\))?\\. Check --source or DRUPAL_DATABASE_URL\\.\\n$',
      ),
    },
    {
      name: 'a # in the source password',
      args: () => ['inspect', '--source', `mysql://root:${SECRET}#x@127.0.0.1:3306/drupal`],
      code: 2,
      stderr:
        'dhm: --source / DRUPAL_DATABASE_URL: its user name or password holds a character that URLs reserve (#, ? or /). Percent-encode it: # as %23, ? as %3F, / as %2F (encodeURIComponent does it).\n',
    },
    {
      name: 'a password starting with # (the rest of the URL was taken for a fragment)',
      args: () => ['status', '--target', `postgresql://postgres:#${SECRET}@127.0.0.1:5432/dhm`],
      code: 2,
      stderr:
        'dhm: --target / DATABASE_URL: its user name or password holds a character that URLs reserve (#, ? or /). Percent-encode it: # as %23, ? as %3F, / as %2F (encodeURIComponent does it).\n',
    },
    {
      name: 'a lone % in the target password',
      args: () => ['status', '--target', `postgresql://postgres:${SECRET}%zz@127.0.0.1:5432/dhm`],
      code: 2,
      stderr:
        'dhm: --target / DATABASE_URL: its password holds a % not followed by two hex digits. Write % as %25.\n',
    },
    {
      name: 'migrate from a database that is not Drupal 7: one problem, not one per table',
      args: () => ['migrate', '--mapping', 'mappings/bne.yaml', '--quiet', '--source', mariaUrl(notDrupalDb)],
      code: 2,
      stderr:
        'dhm: the source database does not have what the mapping needs:\n' +
        '- no node table among its 1 table(s): this is not a Drupal 7 database\n' +
        'Fix the mapping (run "dhm check --mapping FILE") or point --source at the right database.\n',
    },
    {
      name: 'inspect on a database that is not Drupal 7',
      args: () => ['inspect', '--source', mariaUrl(notDrupalDb)],
      code: 2,
      stderr: `dhm: the database at ${mariaUrl(notDrupalDb)}: no node table among its 1 table(s): this is not a Drupal 7 database. Check --source or DRUPAL_DATABASE_URL.\n`,
    },
  ])('$name: one line, exit $code, no password', async ({ args, code, stderr }) => {
    const r = await runDhm(args())
    if (typeof stderr === 'string') expect(r.stderr).toBe(stderr)
    else expect(r.stderr).toMatch(stderr)
    expect(r.code).toBe(code)
    expect(r.stdout).toBe('')
  })

  it.each([['migrate'], ['migrate', '--dry-run'], ['sync']])(
    'a target that holds tables dhm did not create: dhm %s says so, changes nothing, exit 2',
    async (...command) => {
      const r = await runDhm([
        ...command,
        '--mapping',
        'mappings/bne.yaml',
        '--source',
        mariaUrl(drupalDb),
        '--target',
        notDhm,
      ])
      expect(r.stderr).toContain(
        `dhm: the target Postgres at ${notDhm} is not a dhm database: it already holds customers and no migration history (_prisma_migrations), so dhm changed nothing. Point --target or DATABASE_URL at an empty database`,
      )
      expect(r.code).toBe(2)
      const tables = await pgQuery(notDhm, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
      expect(tables).toEqual([{ tablename: 'customers' }])
    },
  )

  it.each([
    {
      name: 'may not create the database',
      db: () => uniqueName('never'),
      denied: 'permission denied to create database',
    },
    {
      name: 'may not create tables in it',
      db: () => lockedDb,
      denied: 'permission denied for schema public',
    },
  ])(
    'a target user that $name: one line saying which privilege, no stack, exit 1',
    async ({ db, denied }) => {
      const url = `postgresql://${role}@127.0.0.1:5432/${db()}`
      const r = await runDhm([
        'migrate',
        '--quiet',
        '--mapping',
        'mappings/bne.yaml',
        '--source',
        mariaUrl(drupalDb),
        '--target',
        url,
      ])
      expect(r.stderr).toBe(
        `dhm: the target Postgres at ${url}: ${denied}. dhm's target user must own the database (or be allowed to create it: CREATEDB) and create tables in its schema, e.g. CREATE DATABASE site OWNER app, run as a superuser. Check --target or DATABASE_URL.\n`,
      )
      expect(r.code).toBe(1)
    },
  )

  it('migrate --dry-run for a user that may not create the missing database says migrate would fail and why (it said "would create")', async () => {
    const url = `postgresql://${role}@127.0.0.1:5432/${uniqueName('never')}`
    const r = await runDhm([
      'migrate',
      '--dry-run',
      '--quiet',
      '--mapping',
      'mappings/bne.yaml',
      '--source',
      mariaUrl(drupalDb),
      '--target',
      url,
    ])
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `dhm: the target Postgres at ${url} does not exist and ${role} may not create databases (no CREATEDB): "dhm migrate" would fail with permission denied to create database. dhm's target user must own the database (or be allowed to create it: CREATEDB) and create tables in its schema, e.g. CREATE DATABASE site OWNER app, run as a superuser. Check --target or DATABASE_URL.\n`,
    )
    expect(r.code).toBe(1)
  })
})
