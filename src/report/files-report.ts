import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { redactSecrets } from '../config/redact.js'
import { escapeHtml as h, escapeMarkdown as md } from './escape.js'

/** `dhm files --json`: exactly these keys. `skipped`: already stored with the same size and checksum. */
export interface FilesSummary {
  readonly files: number
  readonly copied: number
  readonly skipped: number
  readonly missing: number
  readonly failed: number
  readonly bytes: number
  readonly seconds: number
}

/** `would-copy`: a dry run's copied. `listed`: temporary://, remote, or private:// not copied. */
export type FileStatus = 'copied' | 'skipped' | 'missing' | 'failed' | 'listed' | 'would-copy'

/** One file's line in the report. */
export interface FileOutcome {
  readonly uri: string
  readonly fid: number | null
  /** The first article (legacy nid) that references it. */
  readonly nid: number
  readonly status: FileStatus
  readonly key: string | null
  readonly url: string | null
  readonly size: number | null
  readonly sha256: string | null
  /** Why it was missing, failed or only listed. */
  readonly reason: string | null
}

export interface FilesReport {
  readonly site: string
  readonly dryRun: boolean
  readonly from: string
  readonly to: string
  readonly summary: FilesSummary
  readonly outcomes: readonly FileOutcome[]
}

export interface FilesReportFiles {
  readonly json: string
  readonly markdown: string
  readonly html: string
}

/** Outcomes a reader must act on, first: missing and failed files, then those only listed. */
const PROBLEMS: readonly FileStatus[] = ['missing', 'failed', 'listed']

/** The one-line summary both the terminal and the reports show. */
export function renderFilesLine(s: FilesSummary, dryRun = false): string {
  return (
    `files ${s.files}, ${dryRun ? 'would copy' : 'copied'} ${s.copied}, skipped ${s.skipped}, ` +
    `missing ${s.missing}, failed ${s.failed}, ${formatBytes(s.bytes)} in ${s.seconds}s`
  )
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`
  return `${(n / 1024 ** 3).toFixed(2)} GB`
}

/** report.json, report.md and report.html in the run's folder, like verify's (secrets removed). */
export async function writeFilesReport(dir: string, report: FilesReport): Promise<FilesReportFiles> {
  const files = {
    json: join(dir, 'report.json'),
    markdown: join(dir, 'report.md'),
    html: join(dir, 'report.html'),
  }
  await writeFile(files.json, redactSecrets(`${JSON.stringify(report, null, 2)}\n`))
  await writeFile(files.markdown, redactSecrets(renderFilesMarkdown(report)))
  await writeFile(files.html, redactSecrets(renderFilesHtml(report)))
  return files
}

function problems(report: FilesReport): FileOutcome[] {
  return PROBLEMS.flatMap((s) => report.outcomes.filter((o) => o.status === s))
}

export function renderFilesMarkdown(report: FilesReport): string {
  const rows = problems(report)
  const lines = [
    `# Files${report.dryRun ? ' (dry run)' : ''}: ${md(report.site)}`,
    '',
    `From \`${md(report.from)}\` to \`${md(report.to)}\``,
    '',
    renderFilesLine(report.summary, report.dryRun),
    '',
  ]
  if (rows.length === 0) lines.push('Every file was found and stored.', '')
  else {
    lines.push('| status | fid | node | uri | reason |', '| --- | --- | --- | --- | --- |')
    for (const o of rows) {
      lines.push(`| ${o.status} | ${o.fid ?? ''} | ${o.nid} | ${md(o.uri)} | ${md(o.reason)} |`)
    }
    lines.push('')
  }
  return `${lines.join('\n')}`
}

export function renderFilesHtml(report: FilesReport): string {
  const rows = problems(report)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Files: ${h(report.site)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}.missing,.failed{color:#a00}</style>
</head>
<body>
<h1>Files${report.dryRun ? ' (dry run)' : ''}: ${h(report.site)}</h1>
<p>From <code>${h(report.from)}</code> to <code>${h(report.to)}</code></p>
<p>${h(renderFilesLine(report.summary, report.dryRun))}</p>
${
  rows.length === 0
    ? '<p>Every file was found and stored.</p>'
    : `<table>
<thead><tr><th>status</th><th>fid</th><th>node</th><th>uri</th><th>reason</th></tr></thead>
<tbody>
${rows
  .map(
    (o) =>
      `<tr class="${h(o.status)}"><td>${h(o.status)}</td><td>${h(o.fid ?? '')}</td><td>${h(o.nid)}</td><td>${h(o.uri)}</td><td>${h(o.reason)}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>`
}
</body>
</html>
`
}
