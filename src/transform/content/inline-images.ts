import { createHash } from 'node:crypto'
import type { CountFn } from './content-tally.js'
import { type FileBaseUrls, publishedFileUrl } from './file-urls.js'

/** Where a pasted image is stored (under `public://`), named by its bytes: the same image, one file. */
export const INLINE_IMAGE_DIR = 'inline'

const EXTENSIONS: Readonly<Record<string, string>> = {
  png: 'png',
  jpeg: 'jpg',
  jpg: 'jpg',
  gif: 'gif',
  webp: 'webp',
}

// `src="data:image/png;base64,…"` (CKEditor's paste). SVG is not taken: it can carry script, and the
// sanitizer drops it as it drops every data: URL.
const DATA_IMAGE_SRC =
  /(\ssrc\s*=\s*)(["'])data:image\/(png|jpe?g|gif|webp)(?:;[a-z0-9=._-]*)*;base64,([A-Za-z0-9+/=\s]*)\2/gi

/** An image pasted into a body as a data: URI, decoded. */
export interface InlineImage {
  /** `inline/<sha256>.<ext>`: the path after `public://`. */
  readonly path: string
  readonly mime: string
  readonly bytes: Buffer
}

/** The data: images in an HTML body (none without decoding anything when there is no `data:image/`). */
export function findInlineImages(html: string): InlineImage[] {
  if (!html.includes('data:image/')) return []
  const out: InlineImage[] = []
  for (const m of html.matchAll(DATA_IMAGE_SRC)) out.push(decode(m[3] ?? '', m[4] ?? ''))
  return out
}

function decode(type: string, base64: string): InlineImage {
  const ext = EXTENSIONS[type.toLowerCase()] ?? 'bin'
  const bytes = Buffer.from(base64, 'base64')
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  return {
    path: `${INLINE_IMAGE_DIR}/${sha256}.${ext}`,
    mime: `image/${ext === 'jpg' ? 'jpeg' : ext}`,
    bytes,
  }
}

/**
 * `<img src="data:image/png;base64,…">` → `<img src="<publicBaseUrl>/inline/<sha256>.png">`: the image
 * becomes a file (`dhm files` stores it under that key) instead of being dropped by the sanitizer.
 * Without a public base URL the data: URL is left for the sanitizer, and counted. Returns the input
 * itself when the body holds no data: image.
 */
export function rewriteInlineImages(html: string, files: FileBaseUrls, count: CountFn): string {
  if (!html.includes('data:image/')) return html
  return html.replace(DATA_IMAGE_SRC, (whole, head: string, quote: string, type: string, base64: string) => {
    const image = decode(type, base64)
    const url = publishedFileUrl(`public://${image.path}`, files)
    if (url === null) {
      count('file-inline-image-unresolved', `${image.bytes.length} bytes (no files.publicBaseUrl)`)
      return whole
    }
    count('file-inline-image', `${image.bytes.length} bytes → ${url}`)
    return `${head}${quote}${url}${quote}`
  })
}
