import type { RowDataPacket } from 'mysql2/promise'
import { findLinkTargets } from '../body-scan/links.js'
import { findMediaTokenFids, hasMediaTokens } from '../body-scan/media-tokens.js'
import { BodyHtmlOptionsSchema } from '../mapping/body-html-options.js'
import type { CompiledMapping, CompiledValue } from '../mapping/compile.js'
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
  for (const name in fields) {
    for (const item of fields[name] ?? []) {
      const values = item.values
      for (const column in values) {
        const v = values[column]
        if (typeof v !== 'string' || v.length < 8) continue
        if (needs.mediaTokens && hasMediaTokens(v))
          for (const fid of findMediaTokenFids(v)) refs.fids.push(fid)
        if (needs.links && v.includes('href')) {
          const t = findLinkTargets(v, needs.links.siteHosts)
          for (const nid of t.nids) refs.nids.push(nid)
          for (const alias of t.aliases) refs.aliases.push(alias)
        }
      }
    }
  }
  return refs
}

type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>

/**
 * Resolve a batch's linked nids and aliases in three queries: aliases → nids (`url_alias.alias IN`),
 * the nodes' type and language (`node.nid IN`), their aliases (`url_alias.source IN`); with an
 * index read up front, the last two become one lookup of the slug aliases by pid. The slug of a linked
 * node is chosen as for articles: the newest alias in its language (or `und`), else the newest.
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
    for (const r of await query('SELECT source, alias FROM {url_alias} WHERE alias IN (?) ORDER BY pid', [
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
  const targets = index ? await targetsFromIndex(query, all, index) : await targetsFromSource(query, all)
  for (const [nid, { type, slug }] of targets) byNid[nid] = { type, slug, migrated: bundles.includes(type) }
  return { byNid, byAlias }
}

/** The linked nodes that exist: nid → type and slug (null: no alias). */
type LinkedNodes = Map<number, { type: string; slug: string | null }>

/** url_alias.alias as a slug: no leading slash, no surrounding white space. */
const slugOf = (alias: unknown) => String(alias).replace(/^\/+/, '').trim()

/** Per batch: the nodes by nid, then all their aliases, the slug chosen here. */
async function targetsFromSource(query: Query, nids: ReadonlySet<number>): Promise<LinkedNodes> {
  const ids = [...nids]
  const nodes = new Map<number, { type: string; language: string }>()
  for (const r of await query('SELECT nid, type, language FROM {node} WHERE nid IN (?)', [ids])) {
    nodes.set(Number(r.nid), { type: String(r.type), language: String(r.language) })
  }
  const aliasRows = new Map<number, { alias: string; language: string }[]>()
  for (const r of await query(
    'SELECT source, alias, language FROM {url_alias} WHERE source IN (?) ORDER BY pid DESC',
    [ids.filter((id) => nodes.has(id)).map((id) => `node/${id}`)],
  )) {
    const nid = Number(String(r.source).slice(5))
    const list = aliasRows.get(nid) ?? []
    list.push({ alias: slugOf(r.alias), language: String(r.language) })
    aliasRows.set(nid, list)
  }
  const out: LinkedNodes = new Map()
  for (const [nid, node] of nodes) {
    const list = aliasRows.get(nid) ?? []
    const own = list.find((a) => a.language === node.language || a.language === 'und') ?? list[0]
    out.set(nid, { type: node.type, slug: own?.alias || null })
  }
  return out
}

/** With the index read up front: only the chosen slug aliases, by primary key. */
async function targetsFromIndex(
  query: Query,
  nids: ReadonlySet<number>,
  index: LinkTargetIndex,
): Promise<LinkedNodes> {
  const found: [number, { type: string; slugPid: number | null }][] = []
  for (const nid of nids) {
    const target = index.lookup(nid)
    if (target) found.push([nid, target])
  }
  const pids = found.flatMap(([, t]) => (t.slugPid === null ? [] : [t.slugPid]))
  const aliases = new Map<number, string>()
  if (pids.length > 0) {
    for (const r of await query('SELECT pid, alias FROM {url_alias} WHERE pid IN (?)', [pids])) {
      aliases.set(Number(r.pid), slugOf(r.alias))
    }
  }
  return new Map(
    found.map(([nid, { type, slugPid }]) => [
      nid,
      { type, slug: (slugPid === null ? null : aliases.get(slugPid)) || null },
    ]),
  )
}
