import { z } from 'zod'
import { compileFastParse, UNDECIDED } from './fast-parse.js'

/**
 * The article model: what every migrated node becomes, whatever Drupal site it came from.
 * Names are ours (camelCase), not Drupal's; the mapping file decides where each value comes from.
 */

/** A taxonomy term as the article refers to it: legacy id plus the name, so consumers need no join. */
export const TermRefSchema = z.object({
  tid: z.number().int().positive(),
  name: z.string(),
  vocabulary: z.string(),
})
export type TermRef = z.infer<typeof TermRefSchema>

/** A managed file (Drupal's file_managed row) with its public URL when it has one. */
export const FileRefSchema = z.object({
  fid: z.number().int().positive(),
  uri: z.string().min(1),
  url: z.string().nullable(),
  filename: z.string(),
  mime: z.string(),
  size: z.number().int().nonnegative(),
})
export type FileRef = z.infer<typeof FileRefSchema>

/** The lead image. `file` is null when the node points at a file that no longer exists. */
export const ImageSchema = z.object({
  file: FileRefSchema.nullable(),
  caption: z.string().nullable(),
  credit: z.string().nullable(),
  alt: z.string().nullable(),
  title: z.string().nullable(),
  width: z.number().int().nonnegative().nullable(),
  height: z.number().int().nonnegative().nullable(),
})
export type Image = z.infer<typeof ImageSchema>

export const AttachmentSchema = z.object({
  file: FileRefSchema.nullable(),
  description: z.string().nullable(),
})
export type Attachment = z.infer<typeof AttachmentSchema>

export const BodySchema = z.object({
  value: z.string(),
  summary: z.string().nullable(),
  format: z.string().nullable(),
  /** The summary was derived from the value by the mapping (body-html deriveSummary), not written by an editor. */
  summaryDerived: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
})
export type Body = z.infer<typeof BodySchema>

/**
 * A file the body refers to through a D7 media token. `missing`: the fid is not in file_managed or
 * its file is never published; the body then holds a `<figure class="missing-media">` placeholder.
 */
export const MediaRefSchema = z.object({
  fid: z.number().int().positive(),
  uri: z.string().nullable(),
  url: z.string().nullable(),
  mime: z.string().nullable(),
  alt: z.string().nullable(),
  title: z.string().nullable(),
  missing: z.boolean(),
})
export type MediaRef = z.infer<typeof MediaRefSchema>

const isoDate = z.iso.datetime({ offset: false })

/** A link field item (link module): `attributes` is the PHP-serialized array, read back as an object. */
export const LinkSchema = z.object({
  url: z.string().min(1),
  title: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
})
export type Link = z.infer<typeof LinkSchema>

/**
 * Another language of the same article. With content translation (nodes linked by `tnid`) the
 * source node of the set is the article and every other node of the set is one of these.
 */
export const TranslationSchema = z.object({
  language: z.string().min(1),
  legacyNid: z.number().int().positive(),
  title: z.string().trim().min(1),
  slug: z.string().min(1).nullable(),
  body: BodySchema.nullable(),
  published: z.boolean(),
})
export type Translation = z.infer<typeof TranslationSchema>

/** An old URL that must keep working: a non-slug alias of the article or of a merged translation. */
export const RedirectSchema = z.object({
  path: z.string().min(1),
  language: z.string(),
  legacyNid: z.number().int().positive(),
})
export type Redirect = z.infer<typeof RedirectSchema>

/**
 * A Drupal user as an author of the article (mapping key `authorRecords`): `role` author (node.uid,
 * or a user reference field mapped as authors, in delta order) or revision (the current revision's
 * user). `status`: active, blocked, or deleted (no users row left: a placeholder without a name).
 * (Strings, not enums: the values are the tool's own, and the model's fast parser has no enums.)
 */
export const AuthorRecordSchema = z.object({
  uid: z.number().int().positive(),
  role: z.string().min(1),
  name: z.string().nullable(),
  displayName: z.string().nullable(),
  status: z.string().min(1),
  picture: FileRefSchema.nullable(),
})
export type AuthorRecord = z.infer<typeof AuthorRecordSchema>

/**
 * One value of a reference field the mapping names under `references`: the target's legacy id
 * (`kind` node: a nid, user: a uid, term: a tid), resolved to a migrated row by the loader.
 */
export const ReferenceSchema = z.object({
  field: z.string().min(1),
  delta: z.number().int().nonnegative(),
  kind: z.string().min(1),
  id: z.number().int().positive(),
})
export type Reference = z.infer<typeof ReferenceSchema>

/**
 * SEO metadata (metatag module, mapping key `seo`): the node's tags over the site defaults, tokens
 * replaced; null where neither sets the tag.
 */
export const SeoSchema = z.object({
  title: z.string().nullable(),
  description: z.string().nullable(),
  canonical: z.string().nullable(),
  robots: z.string().nullable(),
  ogImage: z.string().nullable(),
})
export type Seo = z.infer<typeof SeoSchema>

/**
 * A field collection or paragraphs item of the article (mapping key `blocks`), in pre-order: each
 * block is followed by the blocks it holds. `parent` is the index in `blocks` of the block holding
 * it (null: the article). `data` holds the type's mapped attributes (null when the item has nothing).
 */
export const BlockSchema = z.object({
  entity: z.string().min(1),
  itemId: z.number().int().positive(),
  revisionId: z.number().int().nonnegative(),
  field: z.string().min(1),
  delta: z.number().int().nonnegative(),
  parent: z.number().int().nonnegative().nullable(),
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
})
export type Block = z.infer<typeof BlockSchema>

export const ArticleSchema = z.object({
  site: z.string().min(1),
  legacyNid: z.number().int().positive(),
  bundle: z.string().min(1),
  language: z.string(),
  title: z.string().trim().min(1, 'title is empty'),
  slug: z.string().min(1).nullable(),
  published: z.boolean(),
  workflowState: z.number().int().nullable(),
  isLive: z.boolean(),
  authors: z.array(z.string().min(1)),
  bylines: z.array(z.string().min(1)),
  summary: z.string().nullable(),
  social: z.string().nullable(),
  publishedAt: isoDate,
  publications: z.array(TermRefSchema),
  sections: z.array(TermRefSchema),
  subjects: z.array(TermRefSchema),
  image: ImageSchema.nullable(),
  pdf: AttachmentSchema.nullable(),
  body: BodySchema.nullable(),
  tracking: z.boolean(),
  headTags: z.string().nullable(),
  bodyTags: z.string().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  links: z.array(LinkSchema),
  translations: z.array(TranslationSchema),
  redirects: z.array(RedirectSchema),
  /** The body value as the source had it, when a content rule changed it (body-html); else null. */
  bodyOriginal: z.string().nullable().default(null),
  /** Files the body embeds through media tokens, in order of first use. */
  media: z.array(MediaRefSchema).default([]),
  /**
   * Site-specific values without a dedicated attribute (`extra.<name>` in a mapping): stored in the
   * article document only, never in a column. Read it as `article.extra ?? {}`: it is left out when
   * the mapping maps no `extra.*` key, so articles of such mappings hash exactly as before it existed
   * (content hashes are pinned and must never drift).
   */
  extra: z.record(z.string(), z.unknown()).optional(),
  /** Authors from users (mapping key `authorRecords`); absent when the mapping has none (hashes unchanged). */
  authorRecords: z.array(AuthorRecordSchema).optional(),
  /** Values of the mapping's `references` fields, in mapping then delta order; absent without any. */
  references: z.array(ReferenceSchema).optional(),
  /** SEO metadata (mapping key `seo`); absent without it. */
  seo: SeoSchema.optional(),
  /** Field collections and paragraphs as typed blocks (mapping key `blocks`); absent without it. */
  blocks: z.array(BlockSchema).optional(),
})
export type Article = z.infer<typeof ArticleSchema>

const fastParseArticle = compileFastParse(ArticleSchema)

/**
 * `ArticleSchema.safeParse`, for the per-article path: an article the fast parser vouches for is
 * returned as zod would return it, without zod's per-value work; anything else (every invalid
 * article among them) goes to zod, whose issues say why. Same verdicts, same data
 * (test/unit/parse-article.test.ts, test/integration/parse-article.test.ts).
 */
export function parseArticle(value: unknown): z.ZodSafeParseResult<Article> {
  const fast = fastParseArticle(value)
  return fast === UNDECIDED ? ArticleSchema.safeParse(value) : { success: true, data: fast }
}

/** The attributes a mapping may fill, in the order the model declares them. */
export const ARTICLE_ATTRIBUTES = Object.keys(ArticleSchema.shape) as readonly (keyof Article)[]

/** Attributes the tool fills itself (from the node and the mapping's `site`/`live`), not from `fields`. */
export const DERIVED_ATTRIBUTES = [
  'site',
  'legacyNid',
  'bundle',
  'isLive',
  'translations',
  'redirects',
  'bodyOriginal',
  'media',
  'authorRecords',
  'references',
  'seo',
  'blocks',
] as const

/** Nested attributes a mapping may set one by one (`image.caption: …`). */
export const NESTED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  image: Object.keys(ImageSchema.shape),
  pdf: Object.keys(AttachmentSchema.shape),
  body: Object.keys(BodySchema.shape),
}

/** The name part of an `extra.<name>` mapping key. */
export const EXTRA_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/

/** An article plus the hash that tells a re-run whether anything changed. */
export interface HashedArticle {
  readonly article: Article
  readonly contentHash: string
}
