// bin/dhm.js runs the streaming commands (migrate, sync, verify) once more with a capped V8 heap and
// two malloc arenas; what the user sets wins. Observed from inside the processes by a preload
// module (NODE_OPTIONS=--import) that writes each process's settings to a file.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runDhm, startDhm } from '../helpers/dhm-process.js'

const dir = mkdtempSync(join(tmpdir(), 'dhm-memory-'))
const preload = join(dir, 'report.mjs')
writeFileSync(
  preload,
  `import { appendFileSync } from 'node:fs'
import v8 from 'node:v8'
appendFileSync(process.env.DHM_TEST_MEMORY_FILE, JSON.stringify({
  rerun: process.env.DHM_HEAP_CAPPED === '1',
  arenas: process.env.MALLOC_ARENA_MAX ?? null,
  heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
}) + '\\n')
`,
)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Seen {
  readonly rerun: boolean
  readonly arenas: string | null
  readonly heapLimitMb: number
}

let runs = 0
/** The settings of every node process `dhm <args>` started, the one that does the work last. */
async function settingsOf(args: string[], env: Record<string, string> = {}): Promise<Seen[]> {
  const file = join(dir, `seen-${runs++}.ndjson`)
  writeFileSync(file, '')
  const { code } = await runDhm(args, {
    NODE_OPTIONS: `--import ${preload}`,
    DHM_TEST_MEMORY_FILE: file,
    MALLOC_ARENA_MAX: '',
    DHM_HEAP_CAP: '',
    ...env,
  })
  expect(code).toBe(0)
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Seen)
}

describe('memory settings of the dhm process', () => {
  it('migrate runs again with a 224 MB old generation and two malloc arenas', async () => {
    const seen = await settingsOf(['migrate', '--help'])
    expect(seen).toHaveLength(2)
    const worker = seen[1] as Seen
    expect(worker.rerun).toBe(true)
    expect(worker.arenas).toBe('2')
    // heap_size_limit is the old generation plus the young one: a little over 224 MB.
    expect(worker.heapLimitMb).toBeGreaterThanOrEqual(224)
    expect(worker.heapLimitMb).toBeLessThan(300)
  })

  it('options before the command do not hide it: the heap is capped all the same', async () => {
    const seen = await settingsOf(['--mapping', 'mappings/bne.yaml', 'sync', '--help'])
    expect(seen.map((s) => s.rerun)).toEqual([false, true])
  })

  it('a MALLOC_ARENA_MAX of the user wins', async () => {
    const seen = await settingsOf(['sync', '--help'], { MALLOC_ARENA_MAX: '4' })
    expect(seen.map((s) => s.arenas)).toEqual(['4', '4'])
  })

  it('DHM_HEAP_CAP=0, or a heap limit of the user, runs in one process with the user’s settings', async () => {
    expect(await settingsOf(['verify', '--help'], { DHM_HEAP_CAP: '0' })).toEqual([
      expect.objectContaining({ rerun: false }),
    ])
    const own = await settingsOf(['migrate', '--help'], {
      NODE_OPTIONS: `--import ${preload} --max-old-space-size=512`,
    })
    expect(own).toHaveLength(1)
    expect(own[0]?.heapLimitMb).toBeGreaterThanOrEqual(512)
  })

  it('the other commands are not run again', async () => {
    expect(await settingsOf(['inspect', '--help'])).toHaveLength(1)
  })

  it('a run again whose first process is gone when it starts (killed meanwhile: no IPC channel) ends at once, doing nothing', async () => {
    // What a `kill -9` of dhm 0.1–0.2 s after it started left behind: the second process, with no
    // channel to its parent, ran the whole command. Started here as that orphan would be.
    const file = join(dir, 'orphan.ndjson')
    writeFileSync(file, '')
    const { code, signal } = await startDhm(['migrate', '--help'], {
      DHM_HEAP_CAPPED: '1',
      NODE_OPTIONS: `--import ${preload}`,
      DHM_TEST_MEMORY_FILE: file,
    }).done
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' })
    // The preload ran (the process started) but no help was printed: nothing of the command ran.
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1)
  })
})
