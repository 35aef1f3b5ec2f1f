import { escapeHtml as h } from './escape.js'
import type { Difference } from './verify-report.js'
import {
  classLabel,
  type FieldCoverage,
  RETIRED_MEANING,
  renderHeadline,
  renderVerdict,
  type VerifyReport,
} from './verify-report.js'

const CLASSES = ['matched', 'missing', 'extra', 'changed', 'edited', 'rejected', 'retired'] as const

/**
 * report.html: one self-contained page (inline CSS, SVG and a few lines of script; nothing is
 * fetched) with the counts, per-field coverage source vs target, a filterable table of differences
 * and the rejects. Every value from the data goes through escapeHtml.
 */
export function renderVerifyHtml(report: VerifyReport): string {
  const { counts, kind } = report
  const title = kind === 'plan' ? 'Migration plan (dry run)' : 'Verification'
  const verdict = renderVerdict(report)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${h(title)}: ${h(report.site)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>${h(title)}: <span class="site">${h(report.site)}</span></h1>
  <p class="meta"><code>${h(report.command)}</code> · started ${h(report.startedAt)} · ${h(report.timings.totalSeconds.toFixed(1))} s</p>
  <p id="verdict" class="verdict ${verdict.clean ? 'clean' : 'dirty'}">${h(verdict.text)}</p>
</header>
<section class="cards" aria-label="counts">
${CLASSES.filter((c) => c !== 'edited' || kind === 'verify')
  .map(
    (c) =>
      `  <div class="card ${c}" data-class="${c}"><div class="n">${counts[c] ?? 0}</div><div class="label">${h(classLabel(kind, c))}</div></div>`,
  )
  .join('\n')}
  <div class="card read"><div class="n">${counts.read}</div><div class="label">read (${counts.filtered} filtered)</div></div>
</section>
<section>
  <h2>Coverage by field</h2>
  <p class="hint">Share of articles where the field is non-empty: source (articles the transformer accepts, ${counts.read - counts.rejected - counts.filtered}) vs target (live rows, ${report.coverage[0]?.targetTotal ?? 0}).</p>
  ${renderCoverageChart(report.coverage)}
</section>
${renderFieldChanges(report)}
<section>
  <h2>Differences <span class="count" id="shown"></span></h2>
  ${
    report.differencesTotal > report.differences.length
      ? `<p class="hint">Showing the first ${report.differences.length} of ${report.differencesTotal}; all are in <code>${h(report.differencesFile)}</code>.</p>`
      : ''
  }
  <div class="filters">
    <label>Filter <input id="q" type="search" placeholder="nid, title, field, value…" autocomplete="off"></label>
    <label>Class <select id="cls"><option value="">all</option>${(
      ['missing', 'extra', 'changed', 'edited', 'rejected'] as const
    )
      .map((c) => `<option value="${c}">${h(classLabel(kind, c))}</option>`)
      .join('')}</select></label>
  </div>
  <table id="differences">
    <thead><tr><th class="num">nid</th><th>class</th><th>title</th><th>field</th><th>target (old)</th><th>source (new)</th></tr></thead>
    <tbody>
${report.differences.map((d) => renderDifference(kind, d)).join('\n')}
    </tbody>
  </table>
  <p id="empty" class="empty"${report.differences.length > 0 ? ' hidden' : ''}>No differences to show.</p>
</section>
${renderStructure(report)}
${renderRejects(report)}
${renderRetired(report)}
<footer>
  <h2>Run</h2>
  <table class="params">
${Object.entries(report.params)
  .map(
    ([k, v]) =>
      `    <tr><th>${h(k)}</th><td><code>${h(typeof v === 'string' ? v : JSON.stringify(v))}</code></td></tr>`,
  )
  .join('\n')}
    <tr><th>timings</th><td>${h(renderHeadline(report))}; source ${report.timings.sourceSeconds.toFixed(1)} s, target ${report.timings.targetSeconds.toFixed(1)} s</td></tr>
  </table>
</footer>
<script>${SCRIPT}</script>
</body>
</html>
`
}

function renderDifference(kind: VerifyReport['kind'], d: Difference): string {
  const search = [d.legacyNid, d.title, ...d.fields].join(' ')
  const head = `<td class="num">${d.legacyNid}</td><td><span class="tag ${d.class}">${h(classLabel(kind, d.class))}</span></td><td class="title">${h(d.title ?? '')}</td>`
  let cells: string
  if (d.class === 'changed' || d.class === 'edited') {
    cells = `<td>${d.changes.map((c) => `<div class="field">${h(c.field)}${c.detail ? `<small>${h(c.detail)}</small>` : ''}</div>`).join('')}</td>
<td>${d.changes.map((c) => `<div class="val old">${h(c.target ?? 'null')}</div>`).join('')}</td>
<td>${d.changes.map((c) => `<div class="val new">${h(c.source ?? 'null')}</div>`).join('')}</td>`
  } else if (d.issues.length > 0) {
    cells = `<td>${d.issues.map((i) => `<div class="field">${h(i.field)}</div>`).join('')}</td>
<td colspan="2">${d.issues.map((i) => `<div class="val">${h(i.reason)}${i.excerpt ? ` <code>${h(i.excerpt)}</code>` : ''}</div>`).join('')}</td>`
  } else if (d.class === 'missing') {
    cells =
      '<td>(article)</td><td><span class="muted">not in target</span></td><td><span class="muted">whole article</span></td>'
  } else {
    cells =
      '<td>(article)</td><td><span class="muted">whole article</span></td><td><span class="muted">not in source</span></td>'
  }
  return `      <tr data-class="${d.class}" data-search="${h(search.toLowerCase())}">${head}${cells}</tr>`
}

function renderFieldChanges(report: VerifyReport): string {
  const entries = Object.entries(report.fieldChanges)
  if (entries.length === 0) return ''
  return `<section>
  <h2>Fields with changes</h2>
  <table class="compact"><thead><tr><th>field</th><th class="num">articles</th></tr></thead><tbody>
${entries.map(([f, n]) => `    <tr><td>${h(f)}</td><td class="num">${n}</td></tr>`).join('\n')}
  </tbody></table>
</section>`
}

/** The site's menu links and term tree as compared (a whole site's verify only), the first differences. */
function renderStructure(report: VerifyReport): string {
  const structure = report.structure
  if (!structure) return ''
  const shown = structure.differences.slice(0, report.differencesLimit)
  return `<section>
  <h2>Site structure <span class="count">${structure.differences.length}</span></h2>
  <p class="hint">${structure.menuLinks} menu link(s) of the mapping's menus and ${structure.terms} term(s) of the tree compared${
    shown.length < structure.differences.length
      ? `; showing the first ${shown.length} of ${structure.differences.length} (all are in report.json)`
      : ''
  }.</p>
  ${
    shown.length === 0
      ? '<p class="empty">No differences.</p>'
      : `<table id="structure"><thead><tr><th>kind</th><th class="num">id</th><th>class</th><th>fields</th></tr></thead><tbody>
${shown
  .map(
    (d) =>
      `    <tr><td>${h(d.kind)}</td><td class="num">${d.id}</td><td>${h(d.class)}</td><td>${h(d.fields.join(', '))}</td></tr>`,
  )
  .join('\n')}
  </tbody></table>`
  }
</section>`
}

function renderRejects(report: VerifyReport): string {
  const { reasons } = report.rejects
  return `<section>
  <h2>Rejected by the transformer <span class="count">${report.counts.rejected}</span></h2>
  ${
    reasons.length === 0
      ? '<p class="empty">No rows rejected.</p>'
      : `<table id="rejects"><thead><tr><th>field</th><th>reason</th><th class="num">rows</th><th>e.g. nids</th><th>value</th></tr></thead><tbody>
${reasons
  .map(
    (r) =>
      `    <tr><td>${h(r.field)}</td><td>${h(r.reason)}</td><td class="num">${r.count}</td><td>${h(r.nids.join(', '))}</td><td><code>${h(r.excerpt ?? '')}</code></td></tr>`,
  )
  .join('\n')}
  </tbody></table>`
  }
</section>`
}

function renderRetired(report: VerifyReport): string {
  if (report.retiredTotal === 0) return ''
  return `<section>
  <h2>${h(classLabel(report.kind, 'retired'))} <span class="count">${report.retiredTotal}</span></h2>
  <p class="hint">${h(RETIRED_MEANING)}.${
    report.retiredTotal > report.retired.length
      ? ` Showing the first ${report.retired.length}; all are in <code>${h(report.retiredFile)}</code>.`
      : ''
  }</p>
  <table id="retired"><thead><tr><th class="num">nid</th><th>title</th><th>target</th><th>why</th></tr></thead><tbody>
${report.retired
  .map(
    (r) =>
      `    <tr><td class="num">${r.legacyNid}</td><td class="title">${h(r.title ?? '')}</td><td>${h(r.state)}</td><td>${h(r.reason)}</td></tr>`,
  )
  .join('\n')}
  </tbody></table>
</section>`
}

const BAR_H = 9
const ROW_H = 28
const LABEL_W = 130
const CHART_W = 760

/** Two horizontal bars per field (source, target), 0–100 %. */
export function renderCoverageChart(coverage: readonly FieldCoverage[]): string {
  const barW = CHART_W - LABEL_W - 100
  const pct = (n: number, total: number) => (total > 0 ? (n / total) * 100 : 0)
  const height = coverage.length * ROW_H + 30
  const rows = coverage.map((c, i) => {
    const y = 24 + i * ROW_H
    const s = pct(c.source, c.sourceTotal)
    const t = pct(c.target, c.targetTotal)
    // Worth a look: at least one percentage point apart.
    const differs = Math.abs(s - t) >= 1
    return `<g class="row${differs ? ' differs' : ''}">
<text x="${LABEL_W - 8}" y="${y + BAR_H + 2}" text-anchor="end" class="label">${h(c.field)}</text>
<rect x="${LABEL_W}" y="${y}" width="${((s / 100) * barW).toFixed(1)}" height="${BAR_H}" class="src"><title>${h(`${c.field}: source ${s.toFixed(1)} % (${c.source}/${c.sourceTotal})`)}</title></rect>
<rect x="${LABEL_W}" y="${y + BAR_H + 1}" width="${((t / 100) * barW).toFixed(1)}" height="${BAR_H}" class="tgt"><title>${h(`${c.field}: target ${t.toFixed(1)} % (${c.target}/${c.targetTotal})`)}</title></rect>
<text x="${LABEL_W + barW + 6}" y="${y + BAR_H + 2}" class="pct">${s.toFixed(0)} / ${t.toFixed(0)} %</text>
</g>`
  })
  return `<svg id="coverage" role="img" aria-label="coverage by field, source vs target" viewBox="0 0 ${CHART_W} ${height}" width="100%" style="max-width:${CHART_W}px">
<g class="legend"><rect x="${LABEL_W}" y="4" width="12" height="10" class="src"/><text x="${LABEL_W + 16}" y="13">source</text><rect x="${LABEL_W + 80}" y="4" width="12" height="10" class="tgt"/><text x="${LABEL_W + 96}" y="13">target</text></g>
${rows.join('\n')}
</svg>`
}

const CSS = `
:root { --fg:#1d2330; --muted:#6b7280; --line:#e5e7eb; --bg:#f7f8fa; --src:#3b6fd8; --tgt:#e08a2b;
  --matched:#2e8b57; --missing:#c0392b; --extra:#8e44ad; --changed:#d68910; --rejected:#7f8c8d; --retired:#5d6d7e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; padding: 24px 32px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.meta, .hint { color: var(--muted); margin: 0 0 8px; }
.verdict { display: inline-block; padding: 4px 10px; border-radius: 4px; font-weight: 600; }
.verdict.clean { background: #e3f4ea; color: #1e6b41; } .verdict.dirty { background: #fdecea; color: #a42b1f; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-top: 4px solid var(--muted); border-radius: 6px; padding: 10px 16px; min-width: 120px; }
.card .n { font-size: 26px; font-weight: 700; } .card .label { color: var(--muted); }
.card.matched { border-top-color: var(--matched); } .card.missing { border-top-color: var(--missing); }
.card.extra { border-top-color: var(--extra); } .card.changed { border-top-color: var(--changed); } .card.rejected { border-top-color: var(--rejected); }
.card.retired { border-top-color: var(--retired); }
section, footer { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 12px; margin-top: 16px; }
svg text { font: 12px system-ui, sans-serif; fill: var(--fg); } svg .pct { fill: var(--muted); }
svg .src { fill: var(--src); } svg .tgt { fill: var(--tgt); } svg .differs .label { font-weight: 700; fill: #a42b1f; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; background: #fafafa; } .num { text-align: right; font-variant-numeric: tabular-nums; }
table.compact { width: auto; min-width: 240px; }
td.title { max-width: 280px; } .val { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; word-break: break-word; max-width: 360px; }
.val.old { color: #a42b1f; } .val.new { color: #1e6b41; } .field small { display: block; color: var(--muted); font-size: 11px; max-width: 260px; }
.tag { display: inline-block; border-radius: 10px; padding: 0 8px; color: #fff; font-size: 12px; white-space: nowrap; background: var(--muted); }
.tag.missing { background: var(--missing); } .tag.extra { background: var(--extra); } .tag.changed { background: var(--changed); } .tag.rejected { background: var(--rejected); }
.filters { display: flex; gap: 16px; margin: 8px 0; } .filters input { width: 280px; } input, select { font: inherit; padding: 3px 6px; }
.muted, .empty, .count { color: var(--muted); } .count { font-weight: 400; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.params th { width: 140px; }
`

// Filters the differences table by class and free text (nid, title, field names, values).
const SCRIPT = `
(function () {
  var q = document.getElementById('q'), cls = document.getElementById('cls');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#differences tbody tr'));
  var shown = document.getElementById('shown'), empty = document.getElementById('empty');
  function apply() {
    var text = q.value.trim().toLowerCase(), c = cls.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!c || r.getAttribute('data-class') === c) &&
        (!text || r.getAttribute('data-search').indexOf(text) >= 0 || r.textContent.toLowerCase().indexOf(text) >= 0);
      r.hidden = !ok; if (ok) n++;
    });
    shown.textContent = '(' + n + ' of ' + rows.length + ')';
    empty.hidden = n > 0;
  }
  q.addEventListener('input', apply); cls.addEventListener('change', apply); apply();
})();
`
