import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '../errors.js'
import { type RunSummary, renderSummaryLine } from './run-report.js'
import { renderHeadline, type VerifyReport } from './verify-report.js'

export interface LastReport {
  readonly dir: string
  /** report.html for verify and dry runs, summary.json otherwise. */
  readonly file: string
  readonly command: string
  readonly headline: string
}

/**
 * The newest run folder under `root` (folders are `<timestamp>-<command>`, so the greatest name is the
 * newest) and its one-line headline.
 */
export async function findLastReport(root: string): Promise<LastReport> {
  const entries = await readdir(root, { withFileTypes: true }).catch((cause: { code?: string }) => {
    if (cause.code === 'ENOENT') return []
    if (cause.code === 'ENOTDIR')
      throw new ConfigError(`--reports-dir ${root} is a file, not a folder of run reports (default: reports)`)
    throw cause
  })
  const dirs = entries
    .filter((e) => e.isDirectory() && /^\d{8}T\d{6}Z-/.test(e.name))
    .map((e) => e.name)
    // numeric: a run's `-10` folder sorts after its `-9` one
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .reverse()
  for (const name of dirs) {
    const dir = join(root, name)
    const report = await readJson<VerifyReport>(join(dir, 'report.json'))
    if (report) {
      return {
        dir,
        file: join(dir, 'report.html'),
        command: report.command,
        headline: renderHeadline(report),
      }
    }
    const summary = await readJson<RunSummary & { command?: string }>(join(dir, 'summary.json'))
    if (summary) {
      return {
        dir,
        file: join(dir, 'summary.json'),
        command: summary.command ?? name.replace(/^[^-]+-/, ''),
        headline: renderSummaryLine(summary),
      }
    }
  }
  throw new ConfigError(
    `no reports in ${root}/. Run "dhm verify" or "dhm migrate" first, or pass --reports-dir.`,
  )
}

async function readJson<T>(file: string): Promise<T | null> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ENOENT') return null
    throw cause
  }
  return JSON.parse(text) as T
}
