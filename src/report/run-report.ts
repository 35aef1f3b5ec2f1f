import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { redactValues } from '../config/redact.js'
import { ConfigError } from '../errors.js'
import { shorten, UNRESOLVED_LINK_RULES } from '../transform/content/content-tally.js'
import type { Issue } from '../transform/outcome.js'
import { type RunCounts, unresolvedLinks } from './run-stats.js'

/** The one-line summary every run ends with, and the exact keys of `--json`. */
export interface RunSummary {
  readonly read: number
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  readonly rejected: number
  readonly filtered: number
  readonly seconds: number
}

export function toSummary(counts: RunCounts, seconds: number): RunSummary {
  const { read, inserted, updated, unchanged, rejected, filtered } = counts
  return { read, inserted, updated, unchanged, rejected, filtered, seconds: Math.round(seconds * 100) / 100 }
}

export function renderSummaryLine(s: RunSummary, opts: { dryRun?: boolean } = {}): string {
  const verb = opts.dryRun ? 'would insert' : 'inserted'
  return (
    `read ${s.read}, ${verb} ${s.inserted}, ${opts.dryRun ? 'would update' : 'updated'} ${s.updated}, ` +
    `unchanged ${s.unchanged}, rejected ${s.rejected}, filtered ${s.filtered} in ${s.seconds.toFixed(1)}s`
  )
}

/** A moment as people read it in tables and messages: `2026-11-27 23:48:25` (UTC, whole seconds). */
export function formatUtc(at: Date): string {
  return at
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')
}

/**
 * A folder under reports/ per run: `<root>/<timestamp>-<command>`, sortable by name, and never one
 * that exists already: a second run in the same second (two quick migrates, a cron sync next to a
 * verify) gets `-2`, `-3`…, so it never appends its rejects to another run's file.
 */
export async function createReportDir(root: string, command: string, at = new Date()): Promise<string> {
  try {
    await makeFolders(root)
  } catch (error) {
    throw cannotCreate(root, error)
  }
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  for (let n = 1; ; n++) {
    const dir = join(root, `${stamp}-${command}${n > 1 ? `-${n}` : ''}`)
    try {
      await mkdir(dir)
      return dir
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw cannotCreate(root, error)
    }
  }
}

/**
 * `mkdir -p`, one level at a time. Node's `mkdir(…, { recursive: true })` never returns when mkdir
 * says ENOENT although the parent exists (any path under /proc: `--reports-dir /proc/x` and `dhm files --to /proc/x` hung); here
 * each missing level is tried once, so that failure surfaces as the error it is.
 */
export async function makeFolders(path: string): Promise<void> {
  try {
    await mkdir(path)
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'EEXIST') return // a file in the way fails at the run's own folder (ENOTDIR)
    const parent = dirname(path)
    if (code !== 'ENOENT' || parent === path) throw error
    await makeFolders(parent)
    await mkdir(path).catch((again: { code?: string }) => {
      if (again.code !== 'EEXIST') throw again // made meanwhile by another run: fine
    })
  }
}

/** A reports folder dhm cannot write: a usage error naming the flag, not a bare ENOTDIR. */
function cannotCreate(root: string, error: unknown): ConfigError {
  const e = error as { code?: string; message?: string }
  return new ConfigError(
    `cannot create a run report in ${root} (${e.code ?? e.message ?? String(error)}): ` +
      'pass --reports-dir a folder dhm can create and write (default: reports)',
    { cause: error },
  )
}

/** The file of a run report listing every unresolved body link (nid, attribute, rule, link). */
export const UNRESOLVED_LINKS_FILE = 'unresolved-links.ndjson'
const MD_LINKS = 100

/** Text in a Markdown table cell: one line, pipes and backticks escaped. */
function mdCell(text: string): string {
  return `\`${shorten(text).replace(/`/g, "'").replace(/\|/g, '\\|')}\``
}

export interface RejectRecord {
  readonly nid: number
  readonly issues: readonly Issue[]
}

/** Appends rejected rows to rejects.ndjson batch by batch, so memory stays flat on big runs. */
export async function appendRejects(dir: string, rejects: readonly RejectRecord[]): Promise<void> {
  if (rejects.length === 0) return
  await appendFile(
    join(dir, 'rejects.ndjson'),
    `${rejects.map((r) => JSON.stringify(redactValues(r))).join('\n')}\n`,
  )
}

/** summary.json (counts, parameters without secrets, timings) and summary.md (the same for people). */
export async function writeRunReport(
  dir: string,
  report: {
    readonly command: string
    readonly site: string
    readonly runId: number | null
    readonly startedAt: Date
    readonly status: string
    readonly summary: RunSummary
    readonly counts: RunCounts
    readonly params: Record<string, unknown>
  },
): Promise<string> {
  const file = join(dir, 'summary.json')
  const summary = {
    schemaVersion: 1,
    command: report.command,
    site: report.site,
    runId: report.runId,
    status: report.status,
    startedAt: report.startedAt.toISOString(),
    ...report.summary,
    counts: report.counts,
    params: report.params,
    rejectsFile: report.counts.rejected > 0 ? 'rejects.ndjson' : null,
    unresolvedLinksFile: unresolvedLinks(report.counts).length > 0 ? UNRESOLVED_LINKS_FILE : null,
  }
  const links = unresolvedLinks(report.counts)
  if (links.length > 0) {
    await writeFile(
      join(dir, UNRESOLVED_LINKS_FILE),
      `${links.map((l) => JSON.stringify(redactValues(l))).join('\n')}\n`,
    )
  }
  await writeFile(file, `${JSON.stringify(redactValues(summary), null, 2)}\n`)
  await writeFile(join(dir, 'summary.md'), renderRunReportMarkdown(report))
  return file
}

/**
 * summary.md: what the run did, in a few lines: its outcome, every count of its summary, and for a
 * sync the nodes each kind of change brought in (`changes`: node, term, alias, file, user,
 * list-label).
 */
export function renderRunReportMarkdown(report: {
  readonly command: string
  readonly site: string
  readonly runId: number | null
  readonly startedAt: Date
  readonly status: string
  readonly summary: RunSummary & { readonly changes?: Readonly<Record<string, number>> }
  readonly counts: RunCounts
}): string {
  const { seconds, changes, ...counts } = report.summary
  const table = (rows: readonly (readonly [string, number])[]) =>
    ['| | |', '| --- | ---: |', ...rows.map(([k, n]) => `| ${k} | ${n} |`)].join('\n')
  const lines = [
    `# dhm ${report.command}: ${report.site}`,
    '',
    `Run ${report.runId ?? '-'}, ${report.status}, started ${formatUtc(report.startedAt)} UTC, took ${seconds.toFixed(1)}s.`,
    '',
    table(Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === 'number')),
  ]
  if (changes) {
    lines.push(
      '',
      '## Changes',
      '',
      'Nodes each kind of change brought in (a node found by two kinds counts under both).',
    )
    lines.push('', table(Object.entries(changes)))
  }
  const relations = report.counts.relations
  if (relations) {
    const r = relations.references
    lines.push('', '## Relations', '')
    lines.push(
      `References: ${r.total}, resolved ${r.resolved}, dangling ${r.dangling}` +
        (r.dangling > 0 ? ' (nid, field and target in summary.json and the run messages).' : '.'),
    )
    for (const d of r.danglingList.slice(0, 10))
      lines.push(`- node ${d.nid} ${d.field}: ${d.kind} ${d.target} not migrated or deleted`)
    if (relations.menuLinks !== null) lines.push(`Menu links: ${relations.menuLinks}.`)
    lines.push(
      `Terms placed in their tree: ${relations.terms.placed} (ancestors added: ${relations.terms.ancestorsAdded}).`,
    )
  }
  if (report.counts.rejected > 0) lines.push('', 'Rejected rows and reasons: `rejects.ndjson`.')
  const links = unresolvedLinks(report.counts)
  if (links.length > 0) {
    const total = [...UNRESOLVED_LINK_RULES].reduce((n, r) => n + (report.counts.content[r] ?? 0), 0)
    lines.push(
      '',
      '## Links left as they were',
      '',
      `Body links dhm could not resolve to a migrated article: ${total}` +
        `${links.length < total ? ` (the first ${links.length} in \`${UNRESOLVED_LINKS_FILE}\`)` : ` (all in \`${UNRESOLVED_LINKS_FILE}\`)`}` +
        `${links.length > MD_LINKS ? `, the first ${MD_LINKS} here` : ''}.`,
      '',
      '| nid | attribute | rule | link |',
      '| ---: | --- | --- | --- |',
      ...links.slice(0, MD_LINKS).map((l) => `| ${l.nid} | ${l.attribute} | ${l.rule} | ${mdCell(l.link)} |`),
    )
  }
  return `${lines.join('\n')}\n`
}
