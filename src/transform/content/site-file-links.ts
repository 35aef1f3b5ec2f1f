import type { CountFn } from './content-tally.js'
import { type FileBaseUrls, publishedFileUrl } from './file-urls.js'
import { replaceChanged } from './replace-changed.js'

// A link to a file in HTML: `/sites/<site>/files/<path>` (relative, or absolute on some host: the
// caller checks the host), or a stream-wrapper URI left in the body. The path ends at a quote,
// white space, `?` (image styles add `?itok=…`) or `#`.
const FILE_LINK =
  /(?:(?:https?:)?\/\/([a-z0-9.-]+(?::\d+)?))?\/sites\/[^/"'\s<>]+\/files\/([^"'\s<>?#]+)|\b(public|private):\/\/([^"'\s<>?#]+)/gi
const STYLE_DERIVATIVE = /^styles\/[^/]+\/(public|private)\/(.+)$/

/**
 * The file URIs an HTML body links to: `/sites/default/files/news/a%20b.pdf` → `public://news/a b.pdf`,
 * an image-style derivative `/sites/default/files/styles/large/public/x.jpg?itok=…` → `public://x.jpg`
 * (the original), `https://www.old-site.org/sites/default/files/…` when the host is one of `hosts`.
 */
export function findFileLinks(html: string, hosts: readonly string[]): string[] {
  if (!html.includes('/files/') && !html.includes('://')) return []
  const out: string[] = []
  for (const m of html.matchAll(FILE_LINK)) {
    const [, host, sitePath, scheme, schemePath] = m
    if (sitePath !== undefined) {
      if (host !== undefined && !hosts.includes(host.toLowerCase())) continue
      const path = decodePath(sitePath)
      const style = STYLE_DERIVATIVE.exec(path)
      out.push(style ? `${style[1]}://${style[2]}` : `public://${path}`)
    } else if (scheme !== undefined && schemePath !== undefined) {
      out.push(`${scheme.toLowerCase()}://${decodePath(schemePath)}`)
    }
  }
  return out
}

export function decodePath(path: string): string {
  const unescaped = path.replace(/&amp;/g, '&')
  return unescaped
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment)
      } catch {
        // A literal % in the file name.
        return segment
      }
    })
    .join('/')
}

// The same links as attribute values (src/href), with what follows the path (`?itok=…`).
const FILE_LINK_ATTRIBUTE =
  /(\s(?:src|href)\s*=\s*)(["'])(?:(?:https?:)?\/\/([a-z0-9.-]+(?::\d+)?))?\/sites\/[^/"'\s<>]+\/files\/([^"'\s<>?#]+)[^"']*\2/gi

/**
 * Links to the old site's files (`/sites/<site>/files/…`, relative or on one of `hosts`) → the file's
 * public URL, as `public://` URIs become: `<a href="/sites/default/files/news/a%20b.pdf">` →
 * `<a href="<publicBaseUrl>news/a%20b.pdf">` (`news/a-b.pdf` with files.storedKeys). An image-style
 * derivative (`styles/large/public/x.jpg?itok=…`) becomes the original file's URL. Returns the input
 * itself when nothing matched; without a public base URL links stay as they are.
 */
export function rewriteSiteFileLinks(
  html: string,
  files: FileBaseUrls,
  hosts: readonly string[],
  count: CountFn,
): string {
  if (!files.publicBaseUrl || !html.includes('/files/')) return html
  return replaceChanged(html, FILE_LINK_ATTRIBUTE, (m) => {
    const [whole, head = '', quote = '', host, raw = ''] = m
    if (host !== undefined && !hosts.includes(host.toLowerCase())) return whole
    const path = decodePath(raw)
    const style = STYLE_DERIVATIVE.exec(path)
    const url = publishedFileUrl(style ? `${style[1]}://${style[2]}` : `public://${path}`, files)
    if (url === null) return whole
    const replaced = `${head}${quote}${url.replace(/"/g, '%22').replace(/'/g, '%27')}${quote}`
    if (replaced !== whole) count('file-link', `${whole.trim()} → ${url}`)
    return replaced
  })
}
