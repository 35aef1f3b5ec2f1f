import { z } from 'zod'

/** Tags a news body needs; the default allowlist of `sanitize: {}`. */
export const DEFAULT_ALLOWED_TAGS = [
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
]
export const DEFAULT_ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title', 'target', 'rel', 'name'],
  img: ['src', 'alt', 'title', 'width', 'height'],
  th: ['colspan', 'rowspan', 'scope'],
  td: ['colspan', 'rowspan'],
  ol: ['start', 'type'],
}

/** `{ body-html: {...} }` in a mapping: which content rules run on a body (each off unless named). */
export const BodyHtmlOptionsSchema = z.strictObject({
  /** Rewrite D7 media tokens to <figure>/<img> (or links), listed in Article.media. */
  mediaTokens: z.boolean().default(false),
  /**
   * Rewrite public:// and private:// URIs in src/href to URLs (files.*BaseUrl); drop temporary://;
   * links to /sites/<site>/files/… (relative, or on rewriteLinks.siteHosts; image-style derivatives
   * as their original) become the file's public URL too; images pasted as data: URIs point at their
   * file (`inline/<sha256>.png`, copied by `dhm files`).
   */
  fileUris: z.boolean().default(false),
  /** Rewrite /node/N, node/N and old aliases to the new article URL. */
  rewriteLinks: z
    .strictObject({
      pattern: z.string().min(1).default('/{slug}'),
      siteHosts: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** Sanitize every non-plain_text body against an allowlist (script, on*, javascript: always go). */
  sanitize: z
    .strictObject({
      allowedTags: z.array(z.string().min(1)).default(DEFAULT_ALLOWED_TAGS),
      allowedAttributes: z.record(z.string(), z.array(z.string().min(1))).default(DEFAULT_ALLOWED_ATTRIBUTES),
      allowedSchemes: z.array(z.string().min(1)).default(['http', 'https', 'mailto', 'tel']),
      allowedIframeHostnames: z.array(z.string().min(1)).default([]),
    })
    .optional(),
  /** plain_text bodies become escaped HTML paragraphs (format becomes the given one). */
  plainText: z.boolean().default(false),
  /** Repair double-encoded UTF-8 and remove NULs in the body and its summary. */
  repairEncoding: z.boolean().default(false),
  /** When the body has no summary, derive one (plain text, cut at a word boundary), marked derived. */
  deriveSummary: z.strictObject({ maxLength: z.number().int().positive().default(300) }).optional(),
})
export type BodyHtmlOptions = z.infer<typeof BodyHtmlOptionsSchema>
