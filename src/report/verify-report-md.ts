import { escapeMarkdown as md } from './escape.js'
import type { Difference } from './verify-report.js'
import {
  classLabel,
  RETIRED_MEANING,
  renderHeadline,
  renderVerdict,
  type VerifyReport,
} from './verify-report.js'

export const MD_SAMPLE_DIFFERENCES = 20
const TOP = 10

/** report.md: what a person pastes into a ticket. Every value from the data is escaped. */
export function renderVerifyMarkdown(report: VerifyReport): string {
  const { counts, kind } = report
  const title = kind === 'plan' ? 'Migration plan (dry run)' : 'Verification'
  const lines: string[] = [
    `# ${title}: ${md(report.site)}`,
    '',
    `\`${report.command}\` · ${report.startedAt} · ${renderHeadline(report)}`,
    '',
    '| class | articles |',
    '| --- | ---: |',
    ...(['matched', 'missing', 'extra', 'changed', 'edited', 'rejected', 'retired'] as const)
      // A migration plan compares stored hashes: nothing in it is ever edited in target.
      .filter((k) => k !== 'edited' || kind === 'verify')
      .map(
        // `?? 0`: reports written before `edited` existed lack it.
        (k) => `| ${classLabel(kind, k)} | ${counts[k] ?? 0} |`,
      ),
    `| read from the source | ${counts.read} |`,
    `| filtered by the mapping | ${counts.filtered} |`,
    '',
    `**${renderVerdict(report).text}**`,
    '',
  ]
  const fields = Object.entries(report.fieldChanges).slice(0, TOP)
  if (fields.length > 0) {
    lines.push('## Fields with most changes', '', '| field | articles |', '| --- | ---: |')
    for (const [field, n] of fields) lines.push(`| ${md(field)} | ${n} |`)
    lines.push('')
  }
  if (report.rejects.reasons.length > 0) {
    lines.push(
      '## Top rejection reasons',
      '',
      '| field | reason | rows | e.g. nids |',
      '| --- | --- | ---: | --- |',
    )
    for (const r of report.rejects.reasons.slice(0, TOP)) {
      lines.push(`| ${md(r.field)} | ${md(r.reason)} | ${r.count} | ${r.nids.join(', ')} |`)
    }
    lines.push('')
  }
  const sample = report.differences.slice(0, MD_SAMPLE_DIFFERENCES)
  if (sample.length > 0) {
    lines.push(
      `## ${sample.length === report.differencesTotal ? 'Differences' : `First ${sample.length} of ${report.differencesTotal} differences`}`,
      '',
      '| nid | class | title | fields | target → source |',
      '| ---: | --- | --- | --- | --- |',
    )
    for (const d of sample) {
      lines.push(
        `| ${d.legacyNid} | ${classLabel(kind, d.class)} | ${md(d.title ?? '')} | ${md(d.fields.join(', '))} | ${md(describe(d))} |`,
      )
    }
    lines.push('')
  }
  const structure = report.structure
  if (structure) {
    const shown = structure.differences.slice(0, MD_SAMPLE_DIFFERENCES)
    lines.push(
      '## Site structure',
      '',
      `${structure.menuLinks} menu link(s) of the mapping's menus and ${structure.terms} term(s) of the tree compared: ` +
        `${structure.differences.length} difference(s).`,
      '',
    )
    if (shown.length > 0) {
      lines.push('| kind | id | class | fields |', '| --- | ---: | --- | --- |')
      for (const d of shown) lines.push(`| ${d.kind} | ${d.id} | ${d.class} | ${md(d.fields.join(', '))} |`)
      lines.push('')
    }
  }
  const retired = report.retired.slice(0, MD_SAMPLE_DIFFERENCES)
  if (retired.length > 0) {
    lines.push(
      `## ${capitalize(classLabel(kind, 'retired'))}${retired.length === report.retiredTotal ? '' : ` (first ${retired.length} of ${report.retiredTotal})`}`,
      '',
      `${RETIRED_MEANING}.`,
      '',
      '| nid | title | target | why |',
      '| ---: | --- | --- | --- |',
    )
    for (const r of retired) {
      lines.push(`| ${r.legacyNid} | ${md(r.title ?? '')} | ${r.state} | ${md(r.reason)} |`)
    }
    lines.push('')
  }
  if (report.differencesFile) lines.push(`All differences: \`${report.differencesFile}\`.`)
  if (report.retiredFile) lines.push(`All retired articles: \`${report.retiredFile}\`.`)
  if (report.rejects.file) lines.push(`Rejected rows with every issue: \`${report.rejects.file}\`.`)
  return `${lines.join('\n')}\n`
}

/** One line per difference: `title: "Old" → "New"`, a rejection reason, … */
export function describe(d: Difference): string {
  if (d.class === 'changed' || d.class === 'edited') {
    return d.changes
      .map(
        (c) =>
          `${c.field}: ${cut(c.target ?? 'null')} → ${cut(c.source ?? 'null')}${c.detail ? ` (${c.detail})` : ''}`,
      )
      .join('; ')
  }
  if (d.class === 'rejected' || d.issues.length > 0) {
    return d.issues.map((i) => `${i.field}: ${i.reason}${i.excerpt ? ` (${i.excerpt})` : ''}`).join('; ')
  }
  return ''
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Table cells stay readable: value excerpts are cut at 60 characters (report.json has 120). */
function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}
