import type { D7MenuLink, D7TermPlace } from '../extract/site-structure.js'
import type { TargetMenuLink, TargetTermPlace } from '../load/read-site-structure.js'
import type { StructureDifference } from '../report/verify-report.js'

/**
 * The mapping's menus as the source has them against the target's menu_link rows, link by link
 * (by mlid): what the end-of-run pass writes (finish-relations.ts), field by field. Pure.
 */
export function compareMenuLinks(
  source: readonly D7MenuLink[],
  target: readonly TargetMenuLink[],
): StructureDifference[] {
  const out: StructureDifference[] = []
  const byMlid = new Map(target.map((t) => [t.mlid, t]))
  const sourceMlids = new Set(source.map((l) => l.mlid))
  for (const l of source) {
    const t = byMlid.get(l.mlid)
    if (!t) {
      out.push({ kind: 'menu_link', id: l.mlid, class: 'missing', fields: [] })
      continue
    }
    const plid = l.plid === 0 ? null : l.plid
    // The parent row: the link plid names when the menus hold it, else none (a root).
    const parent = plid !== null && sourceMlids.has(plid) ? plid : null
    const fields: string[] = []
    if (t.menu !== l.menu) fields.push('menu')
    if (t.title !== l.title) fields.push('title')
    if (t.weight !== l.weight) fields.push('weight')
    if (t.plid !== plid || t.parentMlid !== parent) fields.push('parent')
    if (t.hidden !== (l.hidden !== 0)) fields.push('hidden')
    if (t.expanded !== (l.expanded !== 0)) fields.push('expanded')
    if (t.linkPath !== l.linkPath) fields.push('link_path')
    if (t.external !== (l.external !== 0)) fields.push('external')
    if (t.articleNid !== t.expectedNid) fields.push('article')
    if (t.url !== t.expectedUrl) fields.push('url')
    if (fields.length > 0) out.push({ kind: 'menu_link', id: l.mlid, class: 'changed', fields })
  }
  for (const t of target) {
    if (!sourceMlids.has(t.mlid)) out.push({ kind: 'menu_link', id: t.mlid, class: 'extra', fields: [] })
  }
  return out.sort((a, b) => a.id - b.id)
}

/**
 * The source's term tree (parent and weight of every term the target holds, and of their
 * ancestors) against the target's term rows. A term gone from the source is not compared (its
 * articles are). Pure.
 */
export function compareTermTree(
  source: ReadonlyMap<number, D7TermPlace>,
  target: readonly TargetTermPlace[],
): StructureDifference[] {
  const out: StructureDifference[] = []
  const byTid = new Map(target.map((t) => [t.tid, t]))
  for (const [tid, place] of source) {
    const t = byTid.get(tid)
    if (!t) {
      out.push({ kind: 'term', id: tid, class: 'missing', fields: [] })
      continue
    }
    const parent = place.parent === 0 ? null : place.parent
    const linked = parent !== null && byTid.has(parent) ? parent : null
    const fields: string[] = []
    if (t.parentTid !== parent || t.linkedParentTid !== linked) fields.push('parent')
    if (t.weight !== place.weight) fields.push('weight')
    if (fields.length > 0) out.push({ kind: 'term', id: tid, class: 'changed', fields })
  }
  return out.sort((a, b) => a.id - b.id)
}
