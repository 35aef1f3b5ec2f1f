import { describe, expect, it } from 'vitest'
import { escapeHtml, escapeMarkdown } from '../../src/report/escape.js'
import { renderHeadline, type VerifyReport } from '../../src/report/verify-report.js'
import { renderVerifyHtml } from '../../src/report/verify-report-html.js'
import { renderVerifyJson } from '../../src/report/verify-report-json.js'
import { renderVerifyMarkdown } from '../../src/report/verify-report-md.js'

const HOSTILE = '<script>alert("x")</script> | [link](javascript:1) `code` & \'q\'\nnext line'

const REPORT: VerifyReport = {
  schemaVersion: 1,
  kind: 'verify',
  command: 'verify',
  site: 'bne',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:02.000Z',
  params: { mapping: 'mappings/bne.yaml', source: 'mysql://reader:***@db/drupal' },
  counts: {
    read: 5,
    matched: 1,
    missing: 1,
    extra: 1,
    changed: 1,
    edited: 0,
    rejected: 1,
    filtered: 0,
    retired: 1,
  },
  fieldChanges: { title: 1 },
  coverage: [{ field: 'title', source: 4, sourceTotal: 4, target: 3, targetTotal: 4 }],
  rejects: {
    reasons: [{ field: 'title', reason: HOSTILE, count: 1, nids: [5], excerpt: '"<b>"' }],
    file: 'rejects.ndjson',
  },
  differences: [
    { legacyNid: 2, class: 'missing', fields: [], title: 'Plain', changes: [], issues: [] },
    {
      legacyNid: 3,
      class: 'changed',
      fields: ['title'],
      title: HOSTILE,
      changes: [{ field: 'title', target: JSON.stringify(HOSTILE), source: '"New"', detail: null }],
      issues: [],
    },
    { legacyNid: 4, class: 'extra', fields: [], title: null, changes: [], issues: [] },
    {
      legacyNid: 5,
      class: 'rejected',
      fields: ['title'],
      title: null,
      changes: [],
      issues: [{ field: 'title', reason: HOSTILE, excerpt: '"<b>"' }],
    },
  ],
  differencesTotal: 4,
  differencesLimit: 1000,
  differencesFile: 'differences.ndjson',
  retired: [
    {
      legacyNid: 6,
      title: HOSTILE,
      state: 'unpublished',
      reason: 'not in the source (deleted, or no longer of a mapped bundle)',
    },
  ],
  retiredTotal: 1,
  retiredFile: 'retired.ndjson',
  timings: { totalSeconds: 2, sourceSeconds: 1.5, targetSeconds: 0.5 },
}

describe('escaping', () => {
  it('HTML: tags, quotes and ampersands become text', () => {
    expect(escapeHtml(HOSTILE)).toMatchInlineSnapshot(`
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | [link](javascript:1) \`code\` &amp; &#39;q&#39;
      next line"
    `)
  })

  it('Markdown: pipes, brackets, tags and backticks are escaped, lines joined', () => {
    expect(escapeMarkdown(HOSTILE)).toMatchInlineSnapshot(
      `"&lt;script>alert("x")&lt;/script> \\| \\[link\\](javascript:1) \\\`code\\\` & 'q' next line"`,
    )
  })
})

describe('renderers', () => {
  it('report.json is the report itself, versioned', () => {
    const parsed = JSON.parse(renderVerifyJson(REPORT))
    expect(parsed).toEqual(REPORT)
    expect(Object.keys(parsed.counts)).toEqual([
      'read',
      'matched',
      'missing',
      'extra',
      'changed',
      'edited',
      'rejected',
      'filtered',
      'retired',
    ])
  })

  it('the headline names retired articles only when there are some', () => {
    expect(renderHeadline(REPORT)).toMatchInlineSnapshot(
      `"matched 1, missing in target 1, extra in target 1, changed 1, rejected 1, retired in target 1 (read 5, filtered 0) in 2.0s"`,
    )
    expect(renderHeadline({ ...REPORT, counts: { ...REPORT.counts, retired: 0 } })).toMatchInlineSnapshot(
      `"matched 1, missing in target 1, extra in target 1, changed 1, rejected 1 (read 5, filtered 0) in 2.0s"`,
    )
  })

  it('the headline and report.md name articles edited in target (owned fields) only in a verify with some', () => {
    const edited = { ...REPORT, counts: { ...REPORT.counts, edited: 2 } }
    expect(renderHeadline(edited)).toMatchInlineSnapshot(
      `"matched 1, missing in target 1, extra in target 1, changed 1, rejected 1, edited in target 2, retired in target 1 (read 5, filtered 0) in 2.0s"`,
    )
    expect(renderVerifyMarkdown(edited)).toContain('| edited in target | 2 |')
    expect(renderVerifyMarkdown({ ...edited, kind: 'plan' })).not.toContain('edited')
  })

  it('report.md lists retired articles apart from the differences, not counted as one', () => {
    const md = renderVerifyMarkdown(REPORT)
    expect(md).toContain('| retired in target | 1 |')
    expect(md).toContain('**3 difference(s) found.**')
    const section = md.slice(md.indexOf('## Retired in target'))
    expect(section.split('\n').slice(0, 7)).toMatchInlineSnapshot(`
      [
        "## Retired in target",
        "",
        "Gone from the source (or filtered out by the mapping) and already unpublished or soft-deleted in the target, as dhm sync leaves them: consistent, not a difference.",
        "",
        "| nid | title | target | why |",
        "| ---: | --- | --- | --- |",
        "| 6 | &lt;script>alert("x")&lt;/script> \\| \\[link\\](javascript:1) \\\`code\\\` & 'q' next line | unpublished | not in the source (deleted, or no longer of a mapped bundle) |",
      ]
    `)
    expect(md).toContain('All retired articles: `retired.ndjson`.')
  })

  it('report.html has a retired card and table, with data as text', () => {
    const html = renderVerifyHtml(REPORT)
    expect(html).toContain('<div class="card retired" data-class="retired"><div class="n">1</div>')
    const table = html.slice(html.indexOf('<table id="retired">'))
    expect(table).toContain('<td class="num">6</td><td class="title">&lt;script&gt;')
    expect(table).toContain('<td>unpublished</td>')
    expect(renderVerifyHtml({ ...REPORT, retired: [], retiredTotal: 0 })).not.toContain('id="retired"')
  })

  it('report.html shows the site structure compared, and counts its differences in the verdict', () => {
    const structure = {
      menuLinks: 12,
      terms: 30,
      differences: [
        { kind: 'menu_link' as const, id: 7, class: 'changed' as const, fields: ['title', 'weight'] },
      ],
    }
    const clean = { ...REPORT, counts: { ...REPORT.counts, missing: 0, extra: 0, changed: 0, rejected: 0 } }
    const html = renderVerifyHtml({ ...clean, structure })
    expect(html).toContain('<p id="verdict" class="verdict dirty">0 difference(s) in articles, 1 in the site')
    const table = html.slice(html.indexOf('<table id="structure">'))
    expect(table).toContain('<td>menu_link</td><td class="num">7</td><td>changed</td><td>title, weight</td>')
    expect(html).toContain('12 menu link(s) of the mapping')
    const none = renderVerifyHtml({ ...clean, structure: { ...structure, differences: [] } })
    expect(none).toContain('<p id="verdict" class="verdict clean">No differences.</p>')
    expect(renderVerifyHtml(clean)).not.toContain('Site structure')
    expect(renderVerifyMarkdown({ ...clean, structure })).toContain(
      "**0 difference(s) in articles, 1 in the site's structure (menus, term tree).**",
    )
  })

  it('report.md keeps every data value inside its table cell', () => {
    const md = renderVerifyMarkdown(REPORT)
    const row = md.split('\n').find((l) => l.startsWith('| 3 |'))
    expect(row).toMatchInlineSnapshot(
      `"| 3 | changed | &lt;script>alert("x")&lt;/script> \\| \\[link\\](javascript:1) \\\`code\\\` & 'q' next line | title | title: "&lt;script>alert(\\\\"x\\\\")&lt;/script> \\| \\[link\\](javascript:1) \\\`code\\\`… → "New" |"`,
    )
    // The row has exactly the header's five columns: no pipe from the data leaked.
    expect(row?.split(/(?<!\\)\|/)).toHaveLength(7)
    expect(md).toContain('| missing in target | 1 |')
    expect(md).toContain('## Top rejection reasons')
  })

  it('report.html shows data as text and is self-contained', () => {
    const html = renderVerifyHtml(REPORT)
    expect(html).not.toContain('<script>alert')
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(html.match(/<script>/g)).toHaveLength(1)
    expect(html).not.toMatch(/(src|href)="?https?:/)
    expect(html).toContain('<svg id="coverage"')
  })

  it('a plan reads as would insert / update / delete', () => {
    const md = renderVerifyMarkdown({ ...REPORT, kind: 'plan', command: 'migrate --dry-run' })
    expect(md).toContain('# Migration plan (dry run): bne')
    expect(md).toContain('| would insert | 1 |')
    expect(md).toContain('| would update | 1 |')
    expect(md).toContain('| would delete | 1 |')
    expect(md).toContain('| already retired | 1 |')
  })
})
