import { describe, expect, it } from 'vitest'
import {
  redactSecrets,
  redactUrl,
  redactValues,
  registerSecret,
  secretsOfUrl,
} from '../../src/config/redact.js'

describe('redactUrl masks every secret-bearing part of a connection URL', () => {
  it.each([
    {
      name: 'a user-info password',
      url: 'postgresql://app:Sekr1t@db:5432/site',
      expected: 'postgresql://app:***@db:5432/site',
    },
    {
      name: 'a password query parameter (the issue: printed whole before)',
      url: 'postgresql://app@host:5432/site?password=Sekr1t',
      expected: 'postgresql://app@host:5432/site?password=***',
    },
    {
      name: "libpq's TLS secrets; harmless parameters kept byte for byte",
      url: 'postgres://app@h/site?sslmode=verify-full&sslpassword=k3y&sslkey=/etc/k.pem&sslcert=/etc/c.pem&sslrootcert=/etc/r.pem&application_name=a%20b',
      expected:
        'postgres://app@h/site?sslmode=verify-full&sslpassword=***&sslkey=***&sslcert=***&sslrootcert=***&application_name=a%20b',
    },
    {
      name: 'both at once, a short password',
      url: 'postgresql://app:2@h/site?password=true',
      expected: 'postgresql://app:***@h/site?password=***',
    },
    {
      name: 'mysql2: a password parameter and an ssl object (keys, passphrase), a profile name kept',
      url: 'mysql://u@h:3306/drupal?password=Sekr1t&ssl=%7B%22key%22%3A%22x%22%7D&charset=utf8mb4',
      expected: 'mysql://u@h:3306/drupal?password=***&ssl=***&charset=utf8mb4',
    },
    {
      name: 'an ssl profile name',
      url: 'mysql://u@h/d?ssl=Amazon%20RDS',
      expected: 'mysql://u@h/d?ssl=Amazon%20RDS',
    },
    {
      name: 'no secret',
      url: 'mysql://root@127.0.0.1:3306/drupal',
      expected: 'mysql://root@127.0.0.1:3306/drupal',
    },
    {
      name: 'not a URL the parser takes: masked in the text',
      url: 'postgresql://app:Sekr1t@[bad/site?password=Sekr1t',
      expected: 'postgresql://app:***@[bad/site?password=***',
    },
  ])('$name', ({ url, expected }) => {
    expect(redactUrl(url)).toBe(expected)
  })

  it('secretsOfUrl finds the password and the secret parameters, decoded', () => {
    expect(secretsOfUrl('postgresql://a:p%40ss@h/d?sslmode=require&password=q%26r&sslpassword=s')).toEqual([
      'p@ss',
      'q&r',
      's',
    ])
  })
})

describe('redactSecrets (free text only)', () => {
  it.each([
    {
      name: 'a URL with a password parameter inside a message, its punctuation kept',
      text: 'authentication failed for the target Postgres at postgresql://app@host:5432/site?password=Sekr1t. Check --target',
      expected:
        'authentication failed for the target Postgres at postgresql://app@host:5432/site?password=***. Check --target',
    },
    {
      name: 'an already masked URL is left as it is',
      text: 'at postgresql://app@h/site?password=***: wrong user',
      expected: 'at postgresql://app@h/site?password=***: wrong user',
    },
  ])('$name', ({ text, expected }) => {
    expect(redactSecrets(text)).toBe(expected)
  })
})

describe('redactValues masks URLs in values and changes nothing else', () => {
  it('a summary with the short passwords "2" and "true" registered: only the URLs change', () => {
    registerSecret('2')
    registerSecret('true')
    const summary = {
      schemaVersion: 1,
      startedAt: '2026-12-07T12:00:02.000Z',
      ok: true,
      counts: { read: 2, rejected: 0 },
      params: {
        source: 'mysql://u@h/d?password=2',
        target: 'postgresql://app:true@h/site?password=true',
        flags: [true, 2, null, 'true'],
      },
    }
    const masked = redactValues(summary)
    expect(masked).toEqual({
      ...summary,
      params: {
        source: 'mysql://u@h/d?password=***',
        target: 'postgresql://app:***@h/site?password=***',
        flags: [true, 2, null, 'true'],
      },
    })
    expect(JSON.parse(JSON.stringify(masked))).toEqual(masked)
  })
})
