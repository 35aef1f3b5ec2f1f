import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { redactValues } from '../config/redact.js'
import type { VerifyReport } from './verify-report.js'
import { renderVerifyHtml } from './verify-report-html.js'
import { renderVerifyJson } from './verify-report-json.js'
import { renderVerifyMarkdown } from './verify-report-md.js'

export interface VerifyReportFiles {
  readonly json: string
  readonly markdown: string
  readonly html: string
}

/**
 * report.json, report.md and report.html in the run's folder. URLs in the report's values are masked
 * before rendering (never by replacing text in the rendered files, which a password such as `true`
 * would corrupt).
 */
export async function writeVerifyReport(dir: string, unmasked: VerifyReport): Promise<VerifyReportFiles> {
  const report = redactValues(unmasked)
  const files = {
    json: join(dir, 'report.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
  }
  await writeFile(files.json, renderVerifyJson(report))
  await writeFile(files.markdown, renderVerifyMarkdown(report))
  await writeFile(files.html, renderVerifyHtml(report))
  return files
}
