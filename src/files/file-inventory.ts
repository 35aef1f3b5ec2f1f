import { Readable } from 'node:stream'
import type { RowDataPacket } from 'mysql2/promise'
import type pg from 'pg'
import type { SourcePool } from '../extract/source-db.js'
import { findInlineImages } from '../transform/content/inline-images.js'
import { findFileLinks } from '../transform/content/site-file-links.js'
import { type FileSource, MissingFileError } from './file-source.js'

/** One file articles reference, as the source knows it. */
export interface InventoryItem {
  /** `public://news/a b.jpg` (the name on disk, not percent-encoded). */
  readonly uri: string
  /** `public`, `private`, `temporary`, `youtube`, …; `data` for an image pasted into a body. */
  readonly scheme: string
  /** What follows `scheme://`. */
  readonly path: string
  /** file_managed.fid; null for a file only body links name and file_managed does not know. */
  readonly fid: number | null
  readonly filename: string
  readonly mime: string | null
  /** From the image field row, when it has them. */
  readonly width: number | null
  readonly height: number | null
  /** The first article (legacy nid) that references the file, for the report. */
  readonly nid: number
}

/** Where file links in bodies may point: the old site's host names (and the public base URL's). */
export interface FileLinkHosts {
  readonly hosts: readonly string[]
}

const URI = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is

/** `public://a/b.jpg` → `{ scheme: 'public', path: 'a/b.jpg' }`; null for anything else. */
export function parseFileUri(uri: string): { scheme: string; path: string } | null {
  const m = URI.exec(uri)
  return m?.[1] ? { scheme: m[1].toLowerCase(), path: m[2] ?? '' } : null
}

interface ArticleFilesRow {
  legacy_nid: number
  image: { file?: { fid: number } | null; width?: number | null; height?: number | null } | null
  pdf_fid: string | null
  media_fids: number[] | null
  body: string | null
  has_inline: boolean
}

const articleFilesSql = (byNids: boolean) => `
SELECT legacy_nid, document->'image' AS image, document->'pdf'->'file'->>'fid' AS pdf_fid,
  ARRAY(SELECT (m->>'fid')::int FROM jsonb_array_elements(COALESCE(document->'media', '[]'::jsonb)) m) AS media_fids,
  COALESCE(document->>'bodyOriginal', body) AS body,
  strpos(document->>'bodyOriginal', 'data:image/') > 0 AS has_inline
FROM article WHERE site = $1 AND deleted_at IS NULL AND legacy_nid > $2
${byNids ? 'AND legacy_nid = ANY($4::int[])' : ''}
ORDER BY legacy_nid LIMIT $3`

const PAGE = 2000

/**
 * Every file the site's migrated articles reference: their image and file fields and media tokens
 * (fids in the article documents) and the file links in their source bodies (`bodyOriginal`, else the
 * body: migrate may have renamed the links), looked up in the source's
 * file_managed. Read from the target, so the articles are exactly those the mapping selected.
 * `nids` limits it to some articles (what `dhm sync` changed).
 */
export async function readInventory(
  target: pg.Pool,
  source: SourcePool,
  site: string,
  hosts: readonly string[],
  nids?: readonly number[],
): Promise<{ items: InventoryItem[]; articles: number }> {
  const fidRefs = new Map<number, { nid: number; width: number | null; height: number | null }>()
  const uriRefs = new Map<string, number>()
  const inline = new Map<string, InventoryItem>()
  const sql = articleFilesSql(nids !== undefined)
  let after = 0
  let articles = 0
  for (;;) {
    const { rows } = await target.query<ArticleFilesRow>(sql, [site, after, PAGE, ...(nids ? [nids] : [])])
    for (const row of rows) {
      articles++
      const imageFid = row.image?.file?.fid
      if (imageFid !== undefined && !fidRefs.has(imageFid)) {
        fidRefs.set(imageFid, {
          nid: row.legacy_nid,
          width: row.image?.width ?? null,
          height: row.image?.height ?? null,
        })
      }
      const others = [...(row.pdf_fid ? [Number(row.pdf_fid)] : []), ...(row.media_fids ?? [])]
      for (const fid of others) {
        if (!fidRefs.has(fid)) fidRefs.set(fid, { nid: row.legacy_nid, width: null, height: null })
      }
      if (row.body) {
        for (const uri of findFileLinks(row.body, hosts))
          if (!uriRefs.has(uri)) uriRefs.set(uri, row.legacy_nid)
      }
    }
    const withInline = rows.filter((r) => r.has_inline).map((r) => r.legacy_nid)
    if (withInline.length > 0) {
      for (const item of await readInlineImages(target, site, withInline)) {
        if (!inline.has(item.uri)) inline.set(item.uri, item)
      }
    }
    const last = rows.at(-1)
    if (!last || rows.length < PAGE) break
    after = last.legacy_nid
  }

  const items = new Map<string, InventoryItem>()
  const add = (r: RowDataPacket, nid: number, width: number | null, height: number | null) => {
    const uri = String(r.uri)
    const parsed = parseFileUri(uri)
    if (!parsed || items.has(uri)) return
    items.set(uri, {
      uri,
      ...parsed,
      fid: Number(r.fid),
      filename: String(r.filename),
      mime: r.filemime ? String(r.filemime) : null,
      width,
      height,
      nid,
    })
  }
  for (const chunk of chunks([...fidRefs.keys()], 1000)) {
    const [rows] = await source.query<RowDataPacket[]>(
      'SELECT fid, uri, filename, filemime FROM {file_managed} WHERE fid IN (?)',
      [chunk],
    )
    for (const r of rows) {
      const ref = fidRefs.get(Number(r.fid))
      if (ref) add(r, ref.nid, ref.width, ref.height)
    }
  }
  const linked = [...uriRefs.keys()].filter((u) => !items.has(u))
  for (const chunk of chunks(linked, 1000)) {
    const [rows] = await source.query<RowDataPacket[]>(
      'SELECT fid, uri, filename, filemime FROM {file_managed} WHERE uri IN (?)',
      [chunk],
    )
    for (const r of rows) add(r, uriRefs.get(String(r.uri)) ?? 0, null, null)
  }
  // Linked from a body, unknown to file_managed (uploaded by FTP, or by an editor module that did
  // not register it): still a file the article needs.
  for (const uri of linked) {
    const parsed = parseFileUri(uri)
    if (!parsed || items.has(uri)) continue
    items.set(uri, {
      uri,
      ...parsed,
      fid: null,
      filename: parsed.path.split('/').at(-1) ?? parsed.path,
      mime: null,
      width: null,
      height: null,
      nid: uriRefs.get(uri) ?? 0,
    })
  }
  for (const [uri, item] of inline) items.set(uri, item)
  return { items: [...items.values()].sort(byFidThenUri), articles }
}

const INLINE_SOURCES =
  "SELECT legacy_nid, document->>'bodyOriginal' AS original FROM article WHERE site = $1 AND legacy_nid = ANY($2::int[])"

/**
 * The images pasted into these articles' bodies as data: URIs, read from the source body the article
 * document keeps (`bodyOriginal`: migrate pointed the body at the file). The uri is `data:<sha256>`:
 * one file per distinct image, whatever the number of articles that hold it.
 */
export async function readInlineImages(
  target: pg.Pool,
  site: string,
  nids: readonly number[],
): Promise<InventoryItem[]> {
  const { rows } = await target.query<{ legacy_nid: number; original: string | null }>(INLINE_SOURCES, [
    site,
    nids,
  ])
  return rows.flatMap((r) =>
    findInlineImages(r.original ?? '').map((image) => ({
      uri: inlineUri(image.path),
      scheme: 'data',
      path: image.path,
      fid: null,
      filename: image.path.slice(image.path.lastIndexOf('/') + 1),
      mime: image.mime,
      width: null,
      height: null,
      nid: r.legacy_nid,
    })),
  )
}

/** `inline/<sha256>.png` → `data:<sha256>.png`, the manifest's uri for a pasted image. */
export function inlineUri(path: string): string {
  return `data:${path.slice(path.lastIndexOf('/') + 1)}`
}

/** Where `dhm files` reads a pasted image: the article whose source body holds it. */
export function inlineImageSource(
  target: pg.Pool,
  site: string,
  nidOf: (path: string) => number,
): FileSource {
  const pastedImage = async (path: string) => {
    const { rows } = await target.query<{ original: string | null }>(
      INLINE_SOURCES.replace('legacy_nid, ', ''),
      [site, [nidOf(path)]],
    )
    return findInlineImages(rows[0]?.original ?? '').find((i) => i.path === path)
  }
  return {
    description: 'images pasted into bodies (data: URIs)',
    async sizeOf(path) {
      return (await pastedImage(path))?.bytes.length ?? null
    },
    async open(path) {
      const image = await pastedImage(path)
      if (!image) throw new MissingFileError(`node ${nidOf(path)} no longer holds the pasted image ${path}`)
      return Readable.from([image.bytes])
    },
  }
}

function byFidThenUri(a: InventoryItem, b: InventoryItem): number {
  return (a.fid ?? Number.MAX_SAFE_INTEGER) - (b.fid ?? Number.MAX_SAFE_INTEGER) || (a.uri < b.uri ? -1 : 1)
}

function* chunks<T>(list: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size)
}
