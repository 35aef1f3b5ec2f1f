import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors.js'
import { findLastReport } from '../../src/report/find-last-report.js'
import { createReportDir, writeRunReport } from '../../src/report/run-report.js'
import { emptyCounts } from '../../src/report/run-stats.js'

let root = ''
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true })
})

describe('report folders', () => {
  it('runs started in the same second each get their own folder, in start order', async () => {
    root = await mkdtemp(join(tmpdir(), 'dhm-report-dir-'))
    const at = new Date('2026-11-27T20:27:30.123Z')
    const dirs: string[] = []
    for (let i = 0; i < 11; i++) dirs.push(await createReportDir(root, 'migrate', at))
    expect(dirs.map((d) => basename(d)).slice(0, 3)).toEqual([
      '20261127T202730Z-migrate',
      '20261127T202730Z-migrate-2',
      '20261127T202730Z-migrate-3',
    ])
    expect(new Set(dirs).size).toBe(11)
    expect((await readdir(root)).length).toBe(11)
  })

  it('a reports folder that cannot be created is a usage error naming the folder and the flag', async () => {
    root = await mkdtemp(join(tmpdir(), 'dhm-report-dir-'))
    const file = join(root, 'a-file')
    await writeFile(file, '')
    const attempt = createReportDir(join(file, 'reports'), 'migrate')
    await expect(attempt).rejects.toBeInstanceOf(ConfigError)
    await expect(attempt).rejects.toThrow(
      `cannot create a run report in ${join(file, 'reports')} (ENOTDIR): pass --reports-dir a folder dhm can create and write (default: reports)`,
    )
  })

  // Node's recursive mkdir loops forever on ENOENT from an existing parent (/proc refuses new entries).
  it.skipIf(!existsSync('/proc/self'))(
    'a reports folder under /proc fails at once (it hung) as a usage error naming the flag',
    async () => {
      const attempt = createReportDir('/proc/dhm-reports/nested', 'migrate')
      await expect(attempt).rejects.toBeInstanceOf(ConfigError)
      await expect(attempt).rejects.toThrow(
        'cannot create a run report in /proc/dhm-reports/nested (ENOENT): pass --reports-dir a folder dhm can create and write (default: reports)',
      )
    },
    2000,
  )

  it('report --last on a file instead of a folder: a usage error naming the flag', async () => {
    root = await mkdtemp(join(tmpdir(), 'dhm-report-dir-'))
    const file = join(root, 'a-file')
    await writeFile(file, '')
    const attempt = findLastReport(file)
    await expect(attempt).rejects.toBeInstanceOf(ConfigError)
    await expect(attempt).rejects.toThrow(`--reports-dir ${file} is a file, not a folder of run reports`)
  })

  it('report --last finds the newest of them, -10 after -9', async () => {
    root = await mkdtemp(join(tmpdir(), 'dhm-report-dir-'))
    const at = new Date('2026-11-27T20:27:30Z')
    for (let i = 1; i <= 10; i++) {
      const dir = await createReportDir(root, 'migrate', at)
      await writeRunReport(dir, {
        command: 'migrate',
        site: 'bne',
        runId: i,
        startedAt: at,
        status: 'succeeded',
        summary: { read: i, inserted: i, updated: 0, unchanged: 0, rejected: 0, filtered: 0, seconds: 1 },
        counts: emptyCounts(),
        params: {},
      })
    }
    const last = await findLastReport(root)
    expect(basename(last.dir)).toBe('20261127T202730Z-migrate-10')
    expect(last.headline).toContain('read 10')
  })
})
