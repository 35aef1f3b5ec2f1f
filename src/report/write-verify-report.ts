import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { redactSecrets } from '../config/redact.js'
import type { VerifyReport } from './verify-report.js'
import { renderVerifyHtml } from './verify-report-html.js'
import { renderVerifyJson } from './verify-report-json.js'
import { renderVerifyMarkdown } from './verify-report-md.js'

export interface VerifyReportFiles {
  readonly json: string
  readonly markdown: string
  readonly html: string
}

/** report.json, report.md and report.html in the run's folder (secrets removed from all three). */
export async function writeVerifyReport(dir: string, report: VerifyReport): Promise<VerifyReportFiles> {
  const files = {
    json: join(dir, 'report.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
  }
  await writeFile(files.json, redactSecrets(renderVerifyJson(report)))
  await writeFile(files.markdown, redactSecrets(renderVerifyMarkdown(report)))
  await writeFile(files.html, redactSecrets(renderVerifyHtml(report)))
  return files
}
