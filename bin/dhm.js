#!/usr/bin/env node
// Runs dist/cli/index.js, the bundle `npm ci` builds (postinstall: scripts/build.js), while it is fresh;
// otherwise the TypeScript sources through tsx, which costs ~0.7–1 CPU-s more start-up per run, so
// `npm run build` after editing src/ makes dhm fast again (a terminal is told so).
import { spawn } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'

/*
 * The commands that stream the whole site (migrate, sync, verify) run with a capped V8 heap. Left
 * alone, V8 lets the old generation grow towards its default limit (~4 GB here) over per-batch
 * garbage, and peak RSS reaches 600–770 MB; with 256 MB of heap a 20k–100k migrate peaked at
 * 310–375 MB for a few percent more CPU, a 1M one at up to 397 MB; 224 MB took 35 MB off a 100k
 * migrate's peak at no CPU cost that could be measured (bench/RESULTS.md). The flag only works at
 * start-up, so the process runs itself again once with it, unless NODE_OPTIONS or the node command
 * line already sets a limit (that one wins). DHM_HEAP_CAP=0 turns this off.
 *
 * The re-run also caps glibc's malloc arenas at two (unless MALLOC_ARENA_MAX is set and not empty):
 * glibc otherwise makes up to 8 per core for the process's threads (V8's compiler and GC helpers
 * among them), and memory freed in them tends to stay resident. Measured, not traced to a thread:
 * 100k migrates, 9 runs each: peak RSS median 348 MB (336–369) against 368 MB (332–381), CPU within
 * the machine's noise; two 1M migrates peaked at 344 and 345 MB, four without it at 372–411 MB
 * (one of them with a 192 MB heap).
 */
const HEAP_MB = 224
const STREAMING = new Set(['migrate', 'sync', 'verify', 'worker'])
const REEXEC = 'DHM_HEAP_CAPPED'

const args = process.argv.slice(2)
const hasLimit = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) =>
  /^--max[-_]old[-_]space[-_]size/.test(a),
)
// The first argument that names a command: options may come before it (`dhm --mapping m.yaml migrate`).
const COMMANDS = new Set([...STREAMING, 'demo', 'check', 'inspect', 'export', 'status', 'report'])
const command = args.find((a) => COMMANDS.has(a))

if (process.env[REEXEC] === '1') {
  // The re-run child: when the parent dies without forwarding a signal (SIGKILL), go with it. A
  // parent killed while this process was starting leaves it no IPC channel at all (process.channel
  // unset): go too, or a `kill -9` of dhm 0.1–0.2 s after it started would leave the run going on.
  delete process.env[REEXEC]
  if (!process.channel || !process.connected) process.kill(process.pid, 'SIGKILL')
  process.channel.unref()
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'))
  await start()
} else if (command !== undefined && STREAMING.has(command) && !hasLimit && process.env.DHM_HEAP_CAP !== '0') {
  reexec()
} else {
  await start()
}

async function start() {
  const { ENTRY, isFresh } = await import('../scripts/build.js')
  if (process.env.DHM_FROM_SOURCE !== '1' && isFresh()) {
    // Stack traces name src/ files and lines (dist/cli/*.js.map) when asked for: --verbose.
    if (args.includes('--verbose')) process.setSourceMapsEnabled(true)
    await import(pathToFileURL(ENTRY).href)
    return
  }
  if (process.env.DHM_FROM_SOURCE !== '1' && process.stderr.isTTY) {
    process.stderr.write(
      'dhm: src/ is newer than dist/ (or no build): running the sources through tsx; npm run build\n',
    )
  }
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/index.ts')
}

function reexec() {
  const child = spawn(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${HEAP_MB}`, fileURLToPath(import.meta.url), ...args],
    // Its own process group, so a Ctrl-C reaches it once (forwarded below), not twice.
    {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX || '2', [REEXEC]: '1' },
      detached: true,
    },
  )
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP']
  const forward = (signal) => child.kill(signal)
  for (const s of signals) process.on(s, forward)
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward)
    if (signal === null) process.exit(code ?? 1)
    // Die of the same signal, as a caller (a test, a supervisor) would see the command itself do.
    process.kill(process.pid, signal)
    setTimeout(() => process.exit(1), 1000)
  })
  child.on('error', (error) => {
    console.error(`dhm: could not start: ${error.message}`)
    process.exit(1)
  })
}
