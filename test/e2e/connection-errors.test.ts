// What a user sees when a connection URL or the database behind it is not what dhm expects: one line
// saying what is wrong and what to do, the right exit code, and never the password.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropMariaDb, MARIADB_SERVER, mariaQuery, mariaUrl, uniqueName } from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'

const SECRET = 's3cr3t'

describe('connection problems, from the command line', () => {
  const notDrupalDb = uniqueName('not_drupal')

  beforeAll(async () => {
    await mariaQuery(MARIADB_SERVER, `CREATE DATABASE \`${notDrupalDb}\``)
    await mariaQuery(mariaUrl(notDrupalDb), 'CREATE TABLE users (id INT PRIMARY KEY)')
  })

  afterAll(async () => {
    await dropMariaDb(notDrupalDb)
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
      name: 'inspect on a database that is not Drupal 7',
      args: () => ['inspect', '--source', mariaUrl(notDrupalDb)],
      code: 2,
      stderr: `dhm: the database at ${mariaUrl(notDrupalDb)} does not look like a Drupal 7 database (it has no node table). Check --source or DRUPAL_DATABASE_URL.\n`,
    },
  ])('$name: one line, exit $code, no password', async ({ args, code, stderr }) => {
    const r = await runDhm(args())
    if (typeof stderr === 'string') expect(r.stderr).toBe(stderr)
    else expect(r.stderr).toMatch(stderr)
    expect(r.code).toBe(code)
    expect(r.stdout).toBe('')
  })
})
