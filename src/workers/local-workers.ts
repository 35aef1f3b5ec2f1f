import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The command line users run (bin/dhm.js), from this file's place in src/workers/. */
const DHM_BIN = fileURLToPath(new URL('../../bin/dhm.js', import.meta.url))

export interface LocalWorkers {
  /** Workers still running. */
  running(): number
  /** Exit codes of the workers that have ended (null: ended by a signal). */
  exitCodes(): readonly (number | null)[]
  /** SIGTERM every worker still running (each finishes its batch) and wait for all to exit. */
  stop(): Promise<void>
}

/**
 * Start `n` `dhm worker --once` processes on this machine, as a user would start them elsewhere.
 * The connection URLs go through the environment (DRUPAL_DATABASE_URL, DATABASE_URL), never the
 * command line, which every local user can read in `ps`. Their log lines go to `onLine`.
 */
export function startLocalWorkers(
  n: number,
  opts: {
    readonly sourceUrl: string
    readonly targetUrl: string
    readonly reportsDir: string
    readonly onLine: (worker: number, line: string) => void
  },
): LocalWorkers {
  const children: ChildProcess[] = []
  const ended: (number | null)[] = []
  const exits: Promise<void>[] = []
  for (let i = 1; i <= n; i++) {
    const child = spawn(process.execPath, [DHM_BIN, 'worker', '--once', '--reports-dir', opts.reportsDir], {
      env: { ...process.env, DRUPAL_DATABASE_URL: opts.sourceUrl, DATABASE_URL: opts.targetUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let pending = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) if (line.trim()) opts.onLine(i, line)
    })
    exits.push(
      new Promise((resolve) => {
        child.on('close', (code) => {
          if (pending.trim()) opts.onLine(i, pending)
          ended.push(code)
          resolve()
        })
        child.on('error', (error) => {
          opts.onLine(i, `could not start: ${error.message}`)
        })
      }),
    )
    children.push(child)
  }
  return {
    running: () => n - ended.length,
    exitCodes: () => ended,
    async stop() {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await Promise.all(exits)
    },
  }
}
