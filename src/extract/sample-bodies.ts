import type { RowDataPacket } from 'mysql2/promise'
import { quoteIdent, type SourceConnection } from './source-db.js'
import { tableRef } from './table-prefix.js'

/** How many bodies of a bundle `dhm inspect` reads to see what they link to (the newest nodes). */
export const BODY_SAMPLE_SIZE = 1000

/** A host the sampled bodies link to with absolute URLs. */
export interface LinkedHost {
  readonly host: string
  /** Links (href/src) to it, and bodies with at least one. */
  readonly links: number
  readonly bodies: number
  /**
   * Links to it that are Drupal's own: `node/N`, a path url_alias knows, or `/sites/<site>/files/`.
   * A host with any is the old site's own: its links are to rewrite, not to keep.
   */
  readonly internal: number
}

/** What the bodies of one bundle need from the content rules, from a sample of them. */
export interface BodySample {
  /** The text_with_summary field sampled (`body`). */
  readonly field: string
  readonly sampled: number
  /** Hosts linked to with absolute URLs, most links first (at most 10). */
  readonly hosts: readonly LinkedHost[]
  /** Bodies with a relative link to `node/N`, to a known alias, to `/sites/<site>/files/` or a public:// URI. */
  readonly nodeLinks: number
  readonly aliasLinks: number
  readonly filePaths: number
  /** Bodies with media module tokens (`[[{"fid":"12",…}]]`). */
  readonly mediaTokens: number
}

const URL_ATTR = /\s(?:href|src)\s*=\s*(["'])([^"']*)\1/gi
const ABSOLUTE = /^(?:https?:)?\/\/([^/?#:]+)(?::\d+)?([^?#]*)/i
const MEDIA_TOKEN = /\[\[\{\s*"fid"/
const FILE_PATH = /^\/?sites\/[^/]+\/files\//i
const NODE_PATH = /^\/?node\/\d+\/?$/i

/**
 * Sample the newest `limit` bodies of a bundle (field_data_<field>, current values) and count what
 * they hold: absolute hosts with the links that show a host is the site's own, relative node,
 * alias and file links, media tokens. Aliases are checked against url_alias in bulk.
 */
export async function sampleBodies(
  conn: SourceConnection,
  bundle: string,
  field: string,
  opts: { readonly hasAliases: boolean; readonly limit?: number } = { hasAliases: false },
): Promise<BodySample> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT ${quoteIdent(`${field}_value`)} AS v FROM ${tableRef(`field_data_${field}`)}
     WHERE entity_type = 'node' AND bundle = ? AND deleted = 0 ORDER BY entity_id DESC LIMIT ?`,
    [bundle, opts.limit ?? BODY_SAMPLE_SIZE],
  )
  type Link = { readonly host: string | null; readonly path: string }
  const bodies: Link[][] = []
  let filePaths = 0
  let mediaTokens = 0
  const candidates = new Set<string>()
  for (const r of rows) {
    const html = r.v === null ? '' : String(r.v)
    if (MEDIA_TOKEN.test(html)) mediaTokens++
    const links: Link[] = []
    let files = html.includes('public://')
    for (const m of html.matchAll(URL_ATTR)) {
      const url = (m[2] ?? '').trim()
      const abs = ABSOLUTE.exec(url)
      const link = abs
        ? { host: (abs[1] ?? '').toLowerCase(), path: abs[2] ?? '' }
        : /^[a-z][a-z0-9+.-]*:|^#/i.test(url)
          ? null // mailto:, data:, public://, an anchor
          : { host: null, path: url.replace(/[?#].*$/, '') }
      if (!link) continue
      links.push(link)
      if (link.host === null && FILE_PATH.test(link.path)) files = true
      const alias = aliasOf(link.path)
      if (alias) candidates.add(alias)
    }
    if (files) filePaths++
    bodies.push(links)
  }
  const known = opts.hasAliases ? await knownAliases(conn, [...candidates]) : new Set<string>()
  const isInternal = (path: string) =>
    NODE_PATH.test(path) || FILE_PATH.test(path) || known.has(aliasOf(path) ?? '')
  const hosts = new Map<string, { links: number; bodies: number; internal: number }>()
  let nodeLinks = 0
  let aliasLinks = 0
  for (const links of bodies) {
    const seen = new Set<string>()
    let node = false
    let alias = false
    for (const l of links) {
      if (l.host === null) {
        if (NODE_PATH.test(l.path)) node = true
        else if (known.has(aliasOf(l.path) ?? '')) alias = true
        continue
      }
      const h = hosts.get(l.host) ?? { links: 0, bodies: 0, internal: 0 }
      h.links++
      if (isInternal(l.path)) h.internal++
      if (!seen.has(l.host)) h.bodies++
      seen.add(l.host)
      hosts.set(l.host, h)
    }
    if (node) nodeLinks++
    if (alias) aliasLinks++
  }
  return {
    field,
    sampled: rows.length,
    hosts: [...hosts]
      .map(([host, h]) => ({ host, ...h }))
      .sort((a, b) => b.links - a.links || a.host.localeCompare(b.host))
      .slice(0, 10),
    nodeLinks,
    aliasLinks,
    filePaths,
    mediaTokens,
  }
}

/** A path as url_alias would hold it (no leading or trailing slash, decoded, lower case), or null. */
function aliasOf(path: string): string | null {
  const bare = path.replace(/^\/+|\/+$/g, '')
  if (bare === '' || NODE_PATH.test(bare) || FILE_PATH.test(bare)) return null
  try {
    return decodeURIComponent(bare).toLowerCase()
  } catch (error) {
    if (error instanceof URIError) return bare.toLowerCase()
    throw error
  }
}

/** Which of `paths` are aliases in url_alias (compared case-insensitively, as MariaDB's collation does). */
async function knownAliases(conn: SourceConnection, paths: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>()
  for (let i = 0; i < paths.length; i += 1000) {
    const [rows] = await conn.query<RowDataPacket[]>(
      'SELECT DISTINCT alias FROM {url_alias} WHERE alias IN (?)',
      [paths.slice(i, i + 1000)],
    )
    for (const r of rows) out.add(String(r.alias).toLowerCase())
  }
  return out
}
