import sanitize from 'sanitize-html'
import type { CountFn } from './content-tally.js'

/**
 * Sanitizing `filtered_html`/`full_html` bodies with a maintained sanitizer (sanitize-html) and an
 * allowlist from the mapping. Whatever the allowlist says, `<script>`, `on*` event attributes and
 * `javascript:` URLs are always removed.
 */
export interface SanitizeOptions {
  readonly allowedTags: readonly string[]
  /** Tag → attributes; `*` applies to every tag. */
  readonly allowedAttributes: Readonly<Record<string, readonly string[]>>
  /** URL schemes allowed in href/src/cite; relative URLs are always allowed. */
  readonly allowedSchemes: readonly string[]
  /** `<iframe src>` hosts allowed (when iframe is an allowed tag), e.g. www.youtube.com. */
  readonly allowedIframeHostnames: readonly string[]
}

/** Markup the content rules themselves produce; always allowed so sanitizing never undoes them. */
const GENERATED: Readonly<Record<string, readonly string[]>> = {
  figure: ['class', 'data-fid', 'data-reason'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  a: ['href', 'class', 'data-fid'],
  p: [],
  br: [],
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches
const SCHEME_NOISE = /[\u0000-\u0020]/g
const NEVER_TAGS = new Set(['script'])
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite'])

interface Finding {
  readonly rule: string
  readonly example: string
}

/**
 * Sanitize `html` against the allowlist. Detects first (one parse): when nothing is disallowed,
 * returns the input itself, byte for byte; otherwise returns sanitize-html's output and counts
 * each removal by rule (`sanitize-script`, `sanitize-event-handler`, `sanitize-javascript-url`,
 * `sanitize-tag`, `sanitize-attribute`, `sanitize-url`).
 */
export function sanitizeBody(html: string, opts: SanitizeOptions, count: CountFn): string {
  if (!html.includes('<')) return html
  if (isPlainlyClean(html, opts)) return html
  const findings = findDisallowed(html, opts)
  if (findings.length === 0) return html
  for (const f of findings) count(f.rule, f.example)
  return sanitize(html, toSanitizeOptions(opts))
}

/** Tags, attributes and URLs in `html` the allowlist (or the always-removed rules) rejects. */
export function findDisallowed(html: string, opts: SanitizeOptions): Finding[] {
  const tags = new Set(opts.allowedTags.map((t) => t.toLowerCase()))
  for (const t of Object.keys(GENERATED)) tags.add(t)
  const findings: Finding[] = []
  sanitize(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    allowedSchemesAppliedToAttributes: [],
    onOpenTag: (name, attribs) => checkTag(name, attribs, tags, opts, findings),
  })
  return findings
}

/** What the allowlist says about one opening tag the parser saw (pushed onto `findings`). */
function checkTag(
  name: string,
  attribs: Record<string, string>,
  tags: ReadonlySet<string>,
  opts: SanitizeOptions,
  findings: Finding[],
): void {
  const tag = name.toLowerCase()
  if (NEVER_TAGS.has(tag)) {
    findings.push({ rule: 'sanitize-script', example: `<${tag}${describe(attribs)}>` })
    return
  }
  if (!tags.has(tag)) findings.push({ rule: 'sanitize-tag', example: `<${tag}>` })
  for (const [attr, value] of Object.entries(attribs)) {
    const a = attr.toLowerCase()
    if (a.startsWith('on')) {
      findings.push({ rule: 'sanitize-event-handler', example: `<${tag} ${a}="${value}">` })
      continue
    }
    if (!tags.has(tag)) continue
    if (!isAllowedAttribute(tag, a, opts)) {
      findings.push({ rule: 'sanitize-attribute', example: `<${tag} ${a}="${value}">` })
      continue
    }
    if (URL_ATTRIBUTES.has(a)) {
      // Browsers ignore control characters and white space inside a scheme: "java\tscript:".
      const squashed = value.replace(SCHEME_NOISE, '').toLowerCase()
      const scheme = /^([a-z][a-z0-9+.-]*):/.exec(squashed)?.[1]
      if (scheme === 'javascript' || scheme === 'vbscript') {
        findings.push({ rule: 'sanitize-javascript-url', example: `<${tag} ${a}="${value}">` })
      } else if (scheme !== undefined && !opts.allowedSchemes.includes(scheme)) {
        findings.push({ rule: 'sanitize-url', example: `<${tag} ${a}="${value}">` })
      } else if (tag === 'iframe' && a === 'src' && !isAllowedIframe(value, opts)) {
        findings.push({ rule: 'sanitize-url', example: `<iframe src="${value}">` })
      }
    }
  }
}

/*
 * The fast path. Most bodies are a few ordinary tags with ordinary attributes; parsing each with
 * htmlparser2 only to learn that nothing is disallowed was most of the transform's cost. The scan
 * below reads such a body itself and answers true only when it can vouch that the parser would see
 * exactly the tags and attributes it saw, and that `checkTag` finds nothing in them. Anything it
 * does not fully understand — a `<` that does not begin a simple well-formed tag, comments, CDATA,
 * `<!`, `<?`, tags outside a fixed set of inert ones (no raw-text or foreign-content elements), an
 * entity in a URL attribute, white space other than HTML's own — answers false, and the body goes
 * through the parser as before. It never changes a body: true only skips a parse whose answer is
 * "return the input as it is".
 */

/** Tags htmlparser2 treats as ordinary (no raw text, no foreign content, no implied parsing modes). */
const INERT_TAGS = new Set([
  'p',
  'br',
  'a',
  'strong',
  'b',
  'em',
  'i',
  'u',
  's',
  'sub',
  'sup',
  'span',
  'div',
  'ul',
  'ol',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'q',
  'cite',
  'hr',
  'pre',
  'code',
  'table',
  'caption',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'th',
  'td',
  'figure',
  'figcaption',
  'img',
  'abbr',
  'small',
  'mark',
  'dl',
  'dt',
  'dd',
])
// HTML's white space (not \s, which also matches U+00A0 and others a parser reads as part of a name).
const START_TAG =
  /<([a-zA-Z][a-zA-Z0-9]*)((?:[ \t\n\r\f]+[a-zA-Z_][-a-zA-Z0-9_]*(?:[ \t\n\r\f]*=[ \t\n\r\f]*(?:"[^"]*"|'[^']*'|[^ \t\n\r\f"'=<>`/]+))?)*)[ \t\n\r\f]*\/?>/y
const END_TAG = /<\/([a-zA-Z][a-zA-Z0-9]*)[ \t\n\r\f]*>/y
const ATTRIBUTE =
  /[ \t\n\r\f]+([a-zA-Z_][-a-zA-Z0-9_]*)(?:[ \t\n\r\f]*=[ \t\n\r\f]*(?:"([^"]*)"|'([^']*)'|([^ \t\n\r\f"'=<>`/]+)))?/g
const allowedTagsCache = new WeakMap<SanitizeOptions, ReadonlySet<string>>()

function allowedTagSet(opts: SanitizeOptions): ReadonlySet<string> {
  let tags = allowedTagsCache.get(opts)
  if (!tags) {
    const set = new Set(opts.allowedTags.map((t) => t.toLowerCase()))
    for (const t of Object.keys(GENERATED)) set.add(t)
    tags = set
    allowedTagsCache.set(opts, tags)
  }
  return tags
}

/** True only when `html` certainly holds nothing `findDisallowed` would report (see above). */
export function isPlainlyClean(html: string, opts: SanitizeOptions): boolean {
  const tags = allowedTagSet(opts)
  const findings: Finding[] = []
  let at = html.indexOf('<')
  while (at !== -1) {
    const next = html.charCodeAt(at + 1)
    if (!isTagOpener(next)) {
      // "a < b", "<3", a "<" at the end: text to htmlparser2 (outside XML mode a tag name starts
      // with an ASCII letter; "/", "!" and "?" open other constructs), no tag for checkTag.
      at = html.indexOf('<', at + 1)
      continue
    }
    if (next === 47 /* / */) {
      END_TAG.lastIndex = at
      const m = END_TAG.exec(html)
      if (!m) return false
      const tag = (m[1] ?? '').toLowerCase()
      if (!INERT_TAGS.has(tag) || !tags.has(tag)) return false
      at = html.indexOf('<', END_TAG.lastIndex)
      continue
    }
    START_TAG.lastIndex = at
    const m = START_TAG.exec(html)
    if (!m) return false
    const tag = (m[1] ?? '').toLowerCase()
    if (!INERT_TAGS.has(tag) || !tags.has(tag)) return false
    const list = m[2] ?? ''
    if (list === '') {
      // No attributes: an allowed inert tag is all checkTag would look at (most tags of a body).
      at = html.indexOf('<', START_TAG.lastIndex)
      continue
    }
    const attribs: Record<string, string> = Object.create(null)
    // exec in a loop, not matchAll: matchAll copies the regex on every call (once per tag here).
    ATTRIBUTE.lastIndex = 0
    for (let a = ATTRIBUTE.exec(list); a !== null; a = ATTRIBUTE.exec(list)) {
      const name = (a[1] ?? '').toLowerCase()
      const value = a[2] ?? a[3] ?? a[4] ?? ''
      // Entities would be decoded by the parser: let it read those URLs.
      if (URL_ATTRIBUTES.has(name) && value.includes('&')) return false
      // A repeated attribute: the parser keeps one of them; do not guess which.
      if (Object.hasOwn(attribs, name)) return false
      attribs[name] = value
    }
    checkTag(tag, attribs, tags, opts, findings)
    if (findings.length > 0) return false
    at = html.indexOf('<', START_TAG.lastIndex)
  }
  return true
}

/** After "<": an ASCII letter (a tag name), "/", "!" or "?"; anything else leaves the "<" as text. */
function isTagOpener(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 47 || c === 33 || c === 63
}

function describe(attribs: Record<string, string>): string {
  return Object.entries(attribs)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('')
}

function isAllowedAttribute(tag: string, attr: string, opts: SanitizeOptions): boolean {
  let byTag = allowedAttributesCache.get(opts)
  if (!byTag) {
    byTag = new Map()
    allowedAttributesCache.set(opts, byTag)
  }
  let allowed = byTag.get(tag)
  if (!allowed) {
    // Built once per tag and options (checkTag asks for every attribute of every tag).
    const lists = [opts.allowedAttributes[tag], opts.allowedAttributes['*'], GENERATED[tag]]
    allowed = new Set(lists.flatMap((l) => (l ?? []).map((x) => x.toLowerCase())))
    byTag.set(tag, allowed)
  }
  return allowed.has(attr)
}

/** Lower-cased attributes allowed per tag, per options object (checkTag only asks for allowed tags). */
const allowedAttributesCache = new WeakMap<SanitizeOptions, Map<string, ReadonlySet<string>>>()

function isAllowedIframe(src: string, opts: SanitizeOptions): boolean {
  try {
    return opts.allowedIframeHostnames.includes(new URL(src, 'https://relative.invalid').hostname)
  } catch {
    return false
  }
}

function toSanitizeOptions(opts: SanitizeOptions): sanitize.IOptions {
  const allowedAttributes: Record<string, string[]> = {}
  for (const [tag, attrs] of [...Object.entries(GENERATED), ...Object.entries(opts.allowedAttributes)]) {
    const t = tag.toLowerCase()
    allowedAttributes[t] = [
      ...new Set([...(allowedAttributes[t] ?? []), ...attrs.filter((a) => !/^on/i.test(a))]),
    ]
  }
  return {
    allowedTags: [...new Set([...opts.allowedTags, ...Object.keys(GENERATED)])].filter(
      (t) => !NEVER_TAGS.has(t),
    ),
    allowedAttributes,
    allowedSchemes: opts.allowedSchemes.filter((s) => s !== 'javascript' && s !== 'vbscript'),
    allowedSchemesAppliedToAttributes: [...URL_ATTRIBUTES],
    allowedIframeHostnames: [...opts.allowedIframeHostnames],
    allowProtocolRelative: true,
    disallowedTagsMode: 'discard',
  }
}
