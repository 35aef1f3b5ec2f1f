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
    onOpenTag: (name, attribs) => {
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
    },
  })
  return findings
}

function describe(attribs: Record<string, string>): string {
  return Object.entries(attribs)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('')
}

function isAllowedAttribute(tag: string, attr: string, opts: SanitizeOptions): boolean {
  const lists = [opts.allowedAttributes[tag], opts.allowedAttributes['*'], GENERATED[tag]]
  return lists.some((l) => l?.some((x) => x.toLowerCase() === attr))
}

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
