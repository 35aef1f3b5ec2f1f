import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import {
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

/** The schema migrations a new target gets: every folder of prisma/migrations. */
const MIGRATIONS = (await readdir('prisma/migrations', { withFileTypes: true })).filter((e) =>
  e.isDirectory(),
).length

const dhm = runDhm

describe('dhm migrate, from the command line', () => {
  const sourceDb = uniqueName('e2e_src')
  const targetDb = uniqueName('e2e_tgt')
  let source: string
  let target: string
  let reports: string

  beforeAll(async () => {
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: 150, seed: 3 })
    source = mariaUrl(sourceDb)
    target = `postgresql://postgres@127.0.0.1:5432/${targetDb}`
    reports = await mkdtemp(join(tmpdir(), 'dhm-e2e-'))
  })

  afterAll(async () => {
    await dropMariaDb(sourceDb)
    await dropPgDb(targetDb)
    await rm(reports, { recursive: true, force: true })
  })

  it('--dry-run against a database that does not exist yet plans as against an empty one, and creates nothing', async () => {
    const r = await dhm([
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--dry-run',
      '--reports-dir',
      reports,
    ])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain(
      `the target database ${targetDb} does not exist yet: "dhm migrate" would create it and apply ${MIGRATIONS} schema migration(s)`,
    )
    expect(r.stdout).toMatch(
      /^read 150, would insert 150, would update 0, unchanged 0, rejected 0, filtered 0 in /,
    )
    expect(r.stdout).toContain(
      `\nwould create the target database and apply ${MIGRATIONS} schema migration(s) first\n`,
    )
    const databases = await pgQuery(pgUrl('postgres'), 'SELECT 1 FROM pg_database WHERE datname = $1', [
      targetDb,
    ])
    expect(databases).toEqual([])
  })

  it('migrates into a database that does not exist yet, prints the JSON summary, exits 0', async () => {
    const r = await dhm([
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--json',
      '--reports-dir',
      reports,
    ])
    expect(r.stderr).toContain(`applied ${MIGRATIONS} schema migration(s)`)
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(Object.keys(summary)).toEqual([
      'read',
      'inserted',
      'updated',
      'unchanged',
      'rejected',
      'filtered',
      'seconds',
    ])
    expect({ ...summary, seconds: 0 }).toEqual({
      read: 150,
      inserted: 150,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      filtered: 0,
      seconds: 0,
    })
  })

  it('a second run reports every article unchanged, and writes summary.json', async () => {
    const r = await dhm(['migrate', '--source', source, '--target', target, '--reports-dir', reports])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /^read 150, inserted 0, updated 0, unchanged 150, rejected 0, filtered 0 in \d+\.\ds$/m,
    )
    // Source and target are as the first run left them: every article is settled by its
    // fingerprints, none is transformed, so no content rule runs and no body link is left
    // unresolved by this run (unresolvedLinksFile: null below; the first run wrote the file).
    expect(r.stdout).toMatch(/^fast path: 150 of 150 settled by their fingerprints without a transform$/m)
    expect(r.stdout).not.toMatch(/^content: /m)
    const dirs = (await readdir(reports)).sort()
    const last = JSON.parse(await readFile(join(reports, dirs.at(-1) ?? '', 'summary.json'), 'utf8'))
    expect(last.counts.fastPath).toEqual({ settled: 150, targetChanged: 0 })
    // The mapping's fingerprint (sha256 of the file): what tells another mapping of the same site apart.
    expect(last.params.mappingHash).toMatch(/^[0-9a-f]{64}$/)
    expect({
      ...last,
      params: { ...last.params, mappingHash: 'H' },
      runId: 0,
      startedAt: 'T',
      seconds: 0,
      counts: { ...last.counts, warnings: 0, strayLanguageRows: 0, content: {}, contentExamples: {} },
    }).toMatchInlineSnapshot(`
        {
          "command": "migrate",
          "counts": {
            "content": {},
            "contentExamples": {},
            "fastPath": {
              "settled": 150,
              "targetChanged": 0,
            },
            "filtered": 0,
            "inserted": 0,
            "read": 150,
            "rejected": 0,
            "strayLanguageRows": 0,
            "unchanged": 150,
            "updated": 0,
            "warnings": 0,
          },
          "filtered": 0,
          "inserted": 0,
          "params": {
            "batchSize": 2000,
            "bundles": [
              "article",
            ],
            "dryRun": false,
            "limit": null,
            "mapping": "mappings/bne.yaml",
            "mappingHash": "H",
            "source": "${source}",
            "target": "${target}",
          },
          "read": 150,
          "rejected": 0,
          "rejectsFile": null,
          "runId": 0,
          "schemaVersion": 1,
          "seconds": 0,
          "site": "bne",
          "startedAt": "T",
          "status": "succeeded",
          "unchanged": 150,
          "unresolvedLinksFile": null,
          "updated": 0,
        }
      `)
  })

  it('--no-fast-path transforms every article again: content rules are counted, in one line', async () => {
    const r = await dhm([
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--reports-dir',
      reports,
      '--no-fast-path',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^read 150, inserted 0, updated 0, unchanged 150, rejected 0, filtered 0 in /m)
    expect(r.stdout).toMatch(/^fast path: 0 of 150 settled by their fingerprints without a transform$/m)
    expect(r.stdout).toMatch(/^content: \d+ [a-z0-9-]+(, \d+ [a-z0-9-]+)*$/m)
    const dirs = (await readdir(reports)).sort()
    const last = JSON.parse(await readFile(join(reports, dirs.at(-1) ?? '', 'summary.json'), 'utf8'))
    expect(last.counts.content['link-node']).toBeGreaterThan(0)
    expect(last.counts.contentExamples['link-node'].length).toBeLessThanOrEqual(5)
  })

  it('a reader that closes stdout early (| head -c 10) ends no run with an EPIPE stack trace', async () => {
    const args = ['migrate', '--source', source, '--target', target, '--reports-dir', reports, '--quiet']
    const r = spawnSync(
      'bash',
      ['-c', `node bin/dhm.js ${args.join(' ')} | head -c 10; exit \${PIPESTATUS[0]}`],
      {
        encoding: 'utf8',
      },
    )
    expect(r.stdout).toBe('read 150, ')
    expect(r.stderr).not.toContain('EPIPE')
    expect(r.status).toBe(0)
  })

  it('rejects a bad row with its reason, loads the rest, and exits 3', async () => {
    const [row] = await mariaQuery<{ nid: number }>(
      source,
      "SELECT MIN(nid) AS nid FROM node WHERE type = 'article'",
    )
    await mariaQuery(source, "UPDATE node SET title = '' WHERE nid = ?", [row?.nid])
    const r = await dhm([
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--reports-dir',
      reports,
      '--quiet',
    ])
    expect(r.code).toBe(3)
    expect(r.stdout).toMatch(/rejected 1,/)
    const dirs = (await readdir(reports)).sort()
    const rejects = await readFile(join(reports, dirs.at(-1) ?? '', 'rejects.ndjson'), 'utf8')
    expect(JSON.parse(rejects)).toEqual({
      nid: row?.nid,
      issues: [{ field: 'title', reason: 'title is empty', excerpt: '""' }],
    })
    const messages = await pgQuery(
      target,
      "SELECT legacy_nid, field, reason FROM migration_message WHERE level = 'error'",
    )
    expect(messages).toEqual([{ legacy_nid: row?.nid, field: 'title', reason: 'title is empty' }])
  })

  it('--dry-run writes nothing and says what would change', async () => {
    const before = await pgQuery(target, 'SELECT count(*)::int AS runs FROM migration_run')
    const r = await dhm([
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--dry-run',
      '--reports-dir',
      reports,
    ])
    expect(r.stdout).toMatch(/would insert 0, would update 0, unchanged 149, rejected 1/)
    expect(await pgQuery(target, 'SELECT count(*)::int AS runs FROM migration_run')).toEqual(before)
  })

  it.each([
    {
      name: 'an unreachable source',
      args: ['--source', 'mysql://root:s3cr3t-pw@127.0.0.1:1/drupal'],
      code: 1,
      message:
        /^dhm: cannot connect to the Drupal database at mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/drupal: connection refused\. Is MariaDB\/MySQL running\? Check --source or DRUPAL_DATABASE_URL\.\n$/m,
    },
    {
      name: 'a source that is not a URL',
      args: ['--source', 'drupal'],
      code: 2,
      message: /^dhm: --source \/ DRUPAL_DATABASE_URL is not a URL/,
    },
    {
      name: '--ids beyond the 32-bit range of nids',
      args: ['--ids', '12,2147483648'],
      code: 2,
      message:
        /^dhm: --ids must be node ids \(whole numbers from 1 to 2147483647\) separated by commas, e\.g\. --ids 12,15; not: 2147483648\n$/,
    },
    {
      name: '--ids too big for a number, echoed as given',
      args: ['--ids', '99999999999999999999,0,x'],
      code: 2,
      message: /; not: 99999999999999999999, 0, x\n$/,
    },
    {
      name: 'an unknown flag',
      args: ['--batchsize', '10'],
      code: 2,
      message: /Unknown argument: batchsize/,
    },
    {
      name: 'unknown dashed flags, named once each, with the command whose help to read',
      args: ['--dry-runn', '--on-delete', 'unpublish'],
      code: 2,
      message: /^dhm: Unknown arguments: dry-runn, on-delete\nRun "dhm migrate --help" for usage\.\n$/,
    },
  ])('$name gives one clear line, exit $code, and never the password', async ({ args, code, message }) => {
    const r = await dhm(['migrate', '--target', target, ...args])
    expect(r.code).toBe(code)
    expect(r.stderr).toMatch(message)
    expect(r.stderr + r.stdout).not.toContain('s3cr3t-pw')
  })

  it('--ids that match no node the mapping selects: a note on stderr, exit 0', async () => {
    const r = await dhm([
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--ids',
      '999999,999998',
      '--quiet',
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^read 0, inserted 0,/)
    expect(r.stderr).toBe(
      'note: none of the given --ids (999999, 999998) is a node the mapping selects (type article); nothing was read.\n',
    )
  })

  it('a broken mapping lists its problems with locations and exits 2', async () => {
    const file = join(reports, 'broken.yaml')
    await writeFile(file, 'site: x\nsource: { bundles: [article] }\nfields:\n  titel: node.title\n')
    const r = await dhm(['migrate', '--mapping', file, '--source', source, '--target', target])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(
      `${file}:4:3 fields.titel: unknown article attribute "titel" (did you mean "title"?)`,
    )
  })

  it('takes the mapping from DHM_MAPPING, and says which file it used when nothing named one', async () => {
    const broken = join(reports, 'from-env.yaml')
    await writeFile(broken, 'site: x\nsource: { bundles: [article] }\nfields:\n  titel: node.title\n')
    const fromEnv = await dhm(['check', '--source', source], { DHM_MAPPING: broken })
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.stderr).toContain(`${broken}:4:3 fields.titel`)
    expect(fromEnv.stderr).not.toContain('no --mapping given')

    const fallback = await dhm(['check', '--source', source], { DHM_MAPPING: '' })
    expect(fallback.code).toBe(0)
    expect(fallback.stderr).toContain(
      'dhm: using mappings/bne.yaml (no --mapping given and DHM_MAPPING is not set)',
    )
    const named = await dhm(['check', '--source', source, '--mapping', 'mappings/bne.yaml'], {
      DHM_MAPPING: broken,
    })
    expect(named.code).toBe(0)
    expect(named.stderr).toBe('')
  })

  it.each([
    ['check', '--mapping'],
    ['migrate', '--dry-run', '--mapping', ''],
  ])('--mapping without a file is a usage error, not the default mapping: dhm %s', async (...args) => {
    const r = await dhm([...args, '--source', source, '--target', target])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('dhm: --mapping needs a file, e.g. --mapping mappings/mysite.yaml\n')
  })

  it('a --reports-dir that cannot be created: exit 2 before the run is recorded', async () => {
    const before = await pgQuery(target, 'SELECT count(*)::int AS runs FROM migration_run')
    const file = join(reports, 'not-a-folder')
    await writeFile(file, '')
    const r = await dhm([
      'migrate',
      '--quiet',
      '--source',
      source,
      '--target',
      target,
      '--reports-dir',
      join(file, 'x'),
    ])
    expect(r.stderr).toBe(
      `dhm: cannot create a run report in ${join(file, 'x')} (ENOTDIR): pass --reports-dir a folder dhm can create and write (default: reports)\n`,
    )
    expect(r.code).toBe(2)
    expect(await pgQuery(target, 'SELECT count(*)::int AS runs FROM migration_run')).toEqual(before)
  })

  it('verify --ids with --sample: a usage error, not one silently ignored', async () => {
    const r = await dhm(['verify', '--source', source, '--target', target, '--ids', '1', '--sample', '3'])
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'dhm: --ids and --sample exclude each other: give one of them\n',
    })
  })

  it('--no-fast-path with --workers: a usage error (ranges run with the fast path)', async () => {
    const r = await dhm([
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--workers',
      '0',
      '--no-fast-path',
    ])
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'dhm: --no-fast-path cannot be combined with --workers: run dhm migrate --no-fast-path without --workers\n',
    })
  })

  it('a mistyped command gets a suggestion', async () => {
    const r = await dhm(['migrat'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Unknown command. Did you mean migrate?')
  })

  it('--help shows examples and the exit codes', async () => {
    const r = await dhm(['migrate', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('dhm migrate --dry-run')
    expect(r.stdout).toContain('3  finished, but some rows were rejected')
  })
})

describe('flags dhm does not know, or misses', () => {
  it.each([
    {
      name: 'a mistyped flag is named even when it leaves a required one missing (only "from" was named)',
      args: ['files', '--form', 'x', '--to', 'y'],
      stderr:
        'dhm: Unknown argument: form\nMissing required argument: from\nRun "dhm files --help" for usage.\n',
    },
    {
      name: 'a required flag left out, nothing mistyped',
      args: ['files', '--to', 'y'],
      stderr: 'dhm: Missing required argument: from\nRun "dhm files --help" for usage.\n',
    },
    {
      name: 'both required flags left out, one unknown',
      args: ['files', '--dry-runn'],
      stderr:
        'dhm: Unknown argument: dry-runn\nMissing required arguments: from, to\nRun "dhm files --help" for usage.\n',
    },
  ])('$name: exit 2', async ({ args, stderr }) => {
    expect(await dhm(args)).toEqual({ code: 2, stdout: '', stderr })
  })
})
