import { hasMediaTokens } from '../../body-scan/media-tokens.js'
import type { D7File } from '../../extract/d7-types.js'
import { type CountFn, decodeEntities } from './content-tally.js'
import { type FileBaseUrls, publishedFileUrl } from './file-urls.js'
import { escapeHtml, isWebUrl } from './html-escape.js'

// The token scanner the extractor uses lives in body-scan/.
export { findMediaTokenFids, hasMediaTokens } from '../../body-scan/media-tokens.js'

/**
 * Drupal 7 media module tokens: `[[{"fid":"12","view_mode":"default","type":"media",
 * "attributes":{"alt":"…","class":"media-element"}}]]` — JSON inside double brackets, sometimes
 * HTML-escaped (`[[{&quot;fid&quot;:…}]]`) by a WYSIWYG round trip. A headless front end cannot
 * render them, so they become real markup.
 */

/** A file a body refers to through a media token (what `Article.media` lists). */
export interface MediaRef {
  readonly fid: number
  readonly uri: string | null
  readonly url: string | null
  readonly mime: string | null
  readonly alt: string | null
  readonly title: string | null
  /** The fid is not in file_managed, or its file is never published (temporary://). */
  readonly missing: boolean
}

// `<p>` wrapped around a lone token is dropped with it (a <figure> cannot sit inside a <p>).
const TOKEN = /(<p>\s*)?\[\[\{([\s\S]*?)\}\]\](\s*<\/p>)?/g

interface TokenData {
  readonly fid: number
  readonly alt: string | null
  readonly title: string | null
  readonly width: string | null
  readonly height: string | null
}

/** Parse a token's JSON (with HTML entities decoded first); null when it is not a readable token. */
export function parseMediaToken(json: string): TokenData | null {
  let data: unknown
  try {
    data = JSON.parse(decodeEntities(json))
  } catch {
    return null
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null
  const o = data as Record<string, unknown>
  const fid = Number(o.fid)
  if (!Number.isInteger(fid) || fid <= 0) return null
  const attributes = record(o.attributes)
  const fields = record(o.fields)
  const text = (...vs: unknown[]): string | null => {
    for (const v of vs) if (typeof v === 'string' && v.trim() !== '') return v
    return null
  }
  return {
    fid,
    // media 2.x keeps alt/title in "fields" (file_entity's alt/title fields) rather than "attributes".
    alt: text(attributes.alt, fields['field_file_image_alt_text[und][0][value]']),
    title: text(attributes.title, fields['field_file_image_title_text[und][0][value]']),
    width: text(attributes.width, typeof attributes.width === 'number' ? String(attributes.width) : null),
    height: text(attributes.height, typeof attributes.height === 'number' ? String(attributes.height) : null),
  }
}

const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}

/**
 * Replace every media token by markup: an image becomes `<figure class="media media-image"
 * data-fid><img src alt title width height></figure>`, another file a link to it, a fid that
 * does not exist (or a file that is never published) a `<figure class="missing-media" data-fid>`
 * placeholder, an unreadable token a placeholder too. No raw token survives. Returns the input
 * itself when it has no token.
 */
export function rewriteMediaTokens(
  html: string,
  files: Readonly<Record<number, D7File>>,
  base: FileBaseUrls,
  count: CountFn,
): { readonly html: string; readonly media: readonly MediaRef[] } {
  if (!hasMediaTokens(html)) return { html, media: [] }
  const media = new Map<number, MediaRef>()
  const out = html.replace(
    TOKEN,
    (whole, open: string | undefined, json: string, close: string | undefined) => {
      // Keep the <p> when only one side of it belongs to the token's line.
      const keepP = (inner: string) => (open && close ? inner : `${open ?? ''}${inner}${close ?? ''}`)
      const token = parseMediaToken(`{${json}}`)
      if (!token) {
        count('media-token-unreadable', whole)
        return keepP('<figure class="missing-media" data-reason="unreadable-token"></figure>')
      }
      const file = files[token.fid]
      const published = file ? publishedFileUrl(file.uri, base) : null
      // A file_managed uri such as javascript:… passes publishedFileUrl as it is: never put it in src/href.
      const url = published !== null && isWebUrl(published) ? published : null
      if (!file || url === null) {
        count(file ? 'media-token-unpublished' : 'media-token-missing', whole)
        if (!media.has(token.fid))
          media.set(token.fid, {
            fid: token.fid,
            uri: file?.uri ?? null,
            url: null,
            mime: file?.filemime ?? null,
            alt: token.alt,
            title: token.title,
            missing: true,
          })
        return keepP(`<figure class="missing-media" data-fid="${token.fid}"></figure>`)
      }
      if (!media.has(token.fid))
        media.set(token.fid, {
          fid: token.fid,
          uri: file.uri,
          url,
          mime: file.filemime,
          alt: token.alt,
          title: token.title,
          missing: false,
        })
      if (!file.filemime.startsWith('image/')) {
        count('media-token-file', whole)
        return keepP(
          `<a class="media-file" href="${escapeHtml(url)}" data-fid="${token.fid}">${escapeHtml(token.title ?? file.filename)}</a>`,
        )
      }
      count('media-token', whole)
      const attrs = [
        `src="${escapeHtml(url)}"`,
        `alt="${escapeHtml(token.alt ?? '')}"`,
        token.title ? `title="${escapeHtml(token.title)}"` : '',
        token.width && /^\d+$/.test(token.width) ? `width="${token.width}"` : '',
        token.height && /^\d+$/.test(token.height) ? `height="${token.height}"` : '',
      ].filter(Boolean)
      return keepP(
        `<figure class="media media-image" data-fid="${token.fid}"><img ${attrs.join(' ')}></figure>`,
      )
    },
  )
  return { html: out, media: [...media.values()] }
}
