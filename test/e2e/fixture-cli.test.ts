// `npm run fixture` is the README's way to a sample Drupal 7 site: bad flags and an unreachable server
// get one line and an exit code, not a stack trace.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx')

function fixture(args: string[]) {
  const r = spawnSync(TSX, ['scripts/fixture.ts', ...args], { encoding: 'utf8', timeout: 30_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('npm run fixture, from the command line', () => {
  it.each([
    {
      args: ['--articles', 'abc'],
      line: 'fixture: --articles must be a whole number of 1 or more, e.g. --articles 3000',
    },
    {
      args: ['--database', 'bad-name'],
      line: 'fixture: --database "bad-name": a plain name (letters, digits and _), e.g. --database my_legacy',
    },
  ])('$args: one line and the help hint, exit 2, nothing generated', ({ args, line }) => {
    const r = fixture(args)
    expect(r.stderr).toBe(`${line}\nRun "npm run fixture -- --help" for the options.\n`)
    expect(r.stdout).toBe('')
    expect(r.code).toBe(2)
  })

  it('an unreachable server: one line saying so, exit 1', () => {
    const r = fixture(['--articles', '5', '--database', 'never_made', '--source', 'mysql://root@127.0.0.1:1'])
    expect(r.stderr).toBe(
      'fixture: cannot connect to the Drupal database at mysql://root@127.0.0.1:1/never_made: connection refused. Is MariaDB/MySQL running? Check --source or DRUPAL_DATABASE_URL.\n',
    )
    expect(r.code).toBe(1)
  })
})
