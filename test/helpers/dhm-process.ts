// The CLI as a user runs it: a real process, so tests can signal it, kill it, or cut its connections.

import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

export const DHM_BIN = join(process.cwd(), 'bin', 'dhm.js')

export interface DhmOutcome {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface DhmProcess {
  readonly child: ChildProcess
  readonly done: Promise<DhmOutcome>
  /** stderr so far (progress and log lines when not --quiet). */
  stderr(): string
}

/** Spawn `node bin/dhm.js ...args` with extra environment variables. */
export function startDhm(args: readonly string[], env: Record<string, string> = {}): DhmProcess {
  const child = spawn('node', [DHM_BIN, ...args], { env: { ...process.env, ...env }, cwd: process.cwd() })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => {
    stdout += d
  })
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  const done = new Promise<DhmOutcome>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
  return { child, done, stderr: () => stderr }
}

/** Run `node bin/dhm.js ...args` to completion: exit code and output, never throws. */
export async function runDhm(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }> {
  const { code, stdout, stderr } = await startDhm(args, env).done
  return { code, stdout, stderr }
}
