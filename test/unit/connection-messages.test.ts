import { describe, expect, it } from 'vitest'
import { hasReservedInCredentials } from '../../src/config/connections.js'
import { explainSourceError } from '../../src/extract/source-db.js'

describe('hasReservedInCredentials: a password with #, ? or / left unencoded', () => {
  it.each([
    { name: '# in the password', url: 'mysql://root:ab#cd@127.0.0.1:3306/drupal', expected: true },
    { name: 'password starting with #', url: 'mysql://root:#abc@db/drupal', expected: true },
    { name: '? in the password', url: 'postgresql://app:a?b@db:5432/site', expected: true },
    { name: '/ in the password', url: 'postgresql://app:1/b@db:5432/site', expected: true },
    { name: 'percent-encoded #', url: 'mysql://root:ab%23cd@127.0.0.1:3306/drupal', expected: false },
    { name: 'an @ in the password (the parser copes)', url: 'mysql://u:p@ss@db/drupal', expected: false },
    { name: 'no password', url: 'mysql://root@127.0.0.1:3306/drupal', expected: false },
    { name: 'an @ in the query string', url: 'postgresql://db:5432/site?user=me@corp', expected: false },
    {
      name: 'options in the query string',
      url: 'postgresql://app:pw@db/site?options=-c%20search_path%3Dx',
      expected: false,
    },
  ])('$name', ({ url, expected }) => {
    expect(hasReservedInCredentials(url)).toBe(expected)
  })
})

describe('explainSourceError: what the Drupal database refused, in words', () => {
  const url = 'mysql://reader:pw@db:3306/drupal'
  it.each([
    {
      code: 'ER_ACCESS_DENIED_ERROR',
      expected:
        'access denied to the Drupal database at mysql://reader:***@db:3306/drupal: wrong user or password. Check --source or DRUPAL_DATABASE_URL.',
    },
    {
      code: 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
      expected:
        'access denied to the Drupal database at mysql://reader:***@db:3306/drupal: wrong user or password (the URL gives no password). Check --source or DRUPAL_DATABASE_URL.',
    },
    {
      // The password was right; the user has no grant on this database.
      code: 'ER_DBACCESS_DENIED_ERROR',
      expected:
        "access denied to the Drupal database at mysql://reader:***@db:3306/drupal: the user logged in but may not read this database. Grant it SELECT (GRANT SELECT ON `drupal`.* TO 'reader'@'%';) or check --source or DRUPAL_DATABASE_URL.",
    },
    {
      code: 'ER_BAD_DB_ERROR',
      expected:
        'the Drupal database at mysql://reader:***@db:3306/drupal does not exist. Create it (or run "npm run fixture -- --database drupal" for a sample) or fix the database name. Check --source or DRUPAL_DATABASE_URL.',
    },
  ])('$code', ({ code, expected }) => {
    expect(explainSourceError(Object.assign(new Error('Access denied'), { code }), url).message).toBe(
      expected,
    )
  })
})
