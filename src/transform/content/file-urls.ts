import { type CountFn, decodeEntities } from './content-tally.js'
import { storedKeyOf } from './file-keys.js'
import { encodeFilePath, escapeHtml } from './html-escape.js'

/** Where files are served from; without a base URL a scheme's files have no public URL. */
export interface FileBaseUrls {
  readonly publicBaseUrl?: string
  readonly privateBaseUrl?: string
  /** public:// paths become the keys `dhm files` stores them under (mapping `files.storedKeys`). */
  readonly storedKeys?: boolean
}

/**
 * A Drupal stream-wrapper URI → its public URL, the one URL of a file wherever it appears (an image
 * or attachment field, a media token, a `public://` link in a body): `public://a/b c.jpg` →
 * `<publicBaseUrl>/a/b%20c.jpg`. The path is encoded as Drupal's `file_create_url` does
 * (`rawurlencode`, slashes kept): a URI names a file, so a `%` in it is a `%` in the name
 * (`5%.jpg` → `5%25.jpg`, `a%20b.jpg` → `a%2520b.jpg`), never an escape to decode first.
 * `temporary://` is never published (null), nor is a scheme without a configured base URL.
 * http(s) URLs pass through.
 */
export function publishedFileUrl(uri: string, files: FileBaseUrls): string | null {
  const m = /^([a-z]+):\/\/(.*)$/.exec(uri)
  if (!m) return uri
  const [, scheme, rest = ''] = m
  if (scheme === 'public' && files.publicBaseUrl)
    return joinUrl(files.publicBaseUrl, files.storedKeys ? storedKeyOf(rest) : rest)
  if (scheme === 'private' && files.privateBaseUrl) return joinUrl(files.privateBaseUrl, rest)
  if (scheme === 'http' || scheme === 'https') return uri
  return null
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeFilePath(path)}`
}

const URI_ATTRIBUTE = /(\s(?:src|href|data-src)\s*=\s*)(["'])((?:public|private|temporary):\/\/[^"']*)\2/gi

/**
 * Rewrite `src`/`href` attributes that hold `public://`, `private://` or `temporary://` URIs to
 * public URLs. A `temporary://` file is never published: the attribute is emptied. A URI whose
 * scheme has no base URL is left as it is and reported. Returns the input itself when nothing matched.
 */
export function rewriteFileUris(html: string, files: FileBaseUrls, count: CountFn): string {
  if (!html.includes('://')) return html
  return html.replace(URI_ATTRIBUTE, (whole, head: string, quote: string, uri: string) => {
    if (/^temporary:/i.test(uri)) {
      count('file-uri-temporary', uri)
      return `${head}${quote}${quote}`
    }
    // The attribute holds the URI HTML-escaped (public://oil &amp; gas.jpg).
    const url = publishedFileUrl(decodeEntities(uri), files)
    if (url === null) {
      count('file-uri-unresolved', uri)
      return whole
    }
    count('file-uri', `${uri} → ${url}`)
    return `${head}${quote}${escapeHtml(url)}${quote}`
  })
}
