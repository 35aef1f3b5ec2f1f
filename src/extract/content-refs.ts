import type { RowDataPacket } from 'mysql2/promise'
import type { CompiledMapping, CompiledValue } from '../mapping/compile.js'
import { BodyHtmlOptionsSchema } from '../transform/content/body-html.js'
import { findLinkTargets } from '../transform/content/body-links.js'
import { findMediaTokenFids } from '../transform/content/media-tokens.js'
import type { D7FieldItem, D7Links, D7LinkTarget } from './d7-types.js'
import type { LinkTargetIndex } from './link-targets.js'

/**
 * What the content rules of a mapping (`body-html`) need the extractor to look up in bulk per
 * batch: the files media tokens refer to, and the nodes and aliases body links point at.
 */
export interface ContentNeeds {
  readonly mediaTokens: boolean
  /** Non-null when body links are rewritten: the old site's host names count as internal. */
  readonly links: { readonly siteHosts: readonly string[] } | null
}

/** Read the content rules out of a compiled mapping (every `body-html` step, fallbacks included). */
export function contentNeeds(mapping: CompiledMapping): ContentNeeds {
  let mediaTokens = false
  let links: { siteHosts: string[] } | null = null
  const visit = (v: CompiledValue | null): void => {
    if (v === null || v.kind !== 'pipeline') return
    for (const step of v.steps) {
      if (step.name !== 'body-html') continue
      const parsed = BodyHtmlOptionsSchema.safeParse(step.arg ?? {})
      if (!parsed.success) continue
      mediaTokens ||= parsed.data.mediaTokens
      if (parsed.data.rewriteLinks) {
        links = { siteHosts: [...(links?.siteHosts ?? []), ...parsed.data.rewriteLinks.siteHosts] }
      }
    }
    visit(v.fallback)
  }
  for (const a of mapping.attributes) visit(a.value)
  return { mediaTokens, links }
}

/** Media-token fids, linked nids and linked aliases in one node's text field values. */
export interface TextRefs {
  readonly fids: number[]
  readonly nids: number[]
  readonly aliases: string[]
}

export function scanTextRefs(
  fields: Readonly<Record<string, readonly D7FieldItem[]>>,
  needs: ContentNeeds,
): TextRefs {
  const refs: TextRefs = { fids: [], nids: [], aliases: [] }
  for (const items of Object.values(fields)) {
    for (const item of items) {
      for (const v of Object.values(item.values)) {
        if (typeof v !== 'string' || v.length < 8) continue
        if (needs.mediaTokens) refs.fids.push(...findMediaTokenFids(v))
        if (needs.links) {
          const t = findLinkTargets(v, needs.links.siteHosts)
          refs.nids.push(...t.nids)
          refs.aliases.push(...t.aliases)
        }
      }
    }
  }
  return refs
}

type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>

/**
 * Resolve a batch's linked nids and aliases in three queries: aliases → nids (`url_alias.alias IN`),
 * the nodes' type and language (`node.nid IN`), their aliases (`url_alias.source IN`). The slug of
 * a linked node is chosen as for articles: the newest alias in its language (or `und`), else the newest.
 */
export async function resolveLinks(
  query: Query,
  nids: ReadonlySet<number>,
  aliases: ReadonlySet<string>,
  bundles: readonly string[],
  /** Read up front by long runs: nodes and slugs without per-batch random lookups. */
  index?: LinkTargetIndex,
): Promise<D7Links> {
  const byAlias: Record<string, number> = {}
  const all = new Set(nids)
  if (aliases.size > 0) {
    for (const r of await query('SELECT source, alias FROM url_alias WHERE alias IN (?) ORDER BY pid', [
      [...aliases],
    ])) {
      const nid = /^node\/(\d+)$/.exec(String(r.source))?.[1]
      if (nid === undefined) continue
      byAlias[String(r.alias).replace(/^\/+/, '').toLowerCase()] = Number(nid)
      all.add(Number(nid))
    }
  }
  const byNid: Record<number, D7LinkTarget> = {}
  if (all.size === 0) return { byNid, byAlias }
  if (index) {
    const slugPids = new Map<number, number>()
    const found: [number, string, number | null][] = []
    for (const nid of all) {
      const target = index.lookup(nid)
      if (!target) continue
      found.push([nid, target.type, target.slugPid])
      if (target.slugPid !== null) slugPids.set(target.slugPid, nid)
    }
    const slugs = new Map<number, string>()
    if (slugPids.size > 0) {
      for (const r of await query('SELECT pid, alias FROM url_alias WHERE pid IN (?)', [
        [...slugPids.keys()],
      ])) {
        slugs.set(Number(r.pid), String(r.alias).replace(/^\/+/, '').trim())
      }
    }
    for (const [nid, type, pid] of found) {
      byNid[nid] = {
        type,
        slug: (pid === null ? '' : slugs.get(pid)) || null,
        migrated: bundles.includes(type),
      }
    }
    return { byNid, byAlias }
  }
  const ids = [...all]
  const nodes = new Map<number, { type: string; language: string }>()
  for (const r of await query('SELECT nid, type, language FROM node WHERE nid IN (?)', [ids])) {
    nodes.set(Number(r.nid), { type: String(r.type), language: String(r.language) })
  }
  const aliasRows = new Map<number, { alias: string; language: string }[]>()
  for (const r of await query(
    'SELECT source, alias, language FROM url_alias WHERE source IN (?) ORDER BY pid DESC',
    [ids.filter((id) => nodes.has(id)).map((id) => `node/${id}`)],
  )) {
    const nid = Number(String(r.source).slice(5))
    const list = aliasRows.get(nid) ?? []
    list.push({ alias: String(r.alias).replace(/^\/+/, '').trim(), language: String(r.language) })
    aliasRows.set(nid, list)
  }
  for (const [nid, node] of nodes) {
    const list = aliasRows.get(nid) ?? []
    const own = list.find((a) => a.language === node.language || a.language === 'und') ?? list[0]
    byNid[nid] = { type: node.type, slug: own?.alias || null, migrated: bundles.includes(node.type) }
  }
  return { byNid, byAlias }
}
