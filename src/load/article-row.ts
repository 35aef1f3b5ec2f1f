import type { Article } from '../model/article.js'

/** One article flattened to the columns of the `article` table (image/pdf by legacy fid). */
export interface ArticleRow {
  legacy_nid: number
  bundle: string
  language: string
  title: string
  slug: string | null
  published: boolean
  workflow_state: number | null
  is_live: boolean
  authors: readonly string[]
  bylines: readonly string[]
  summary: string | null
  social: string | null
  published_at: string
  image_fid: number | null
  image_caption: string | null
  image_credit: string | null
  image_alt: string | null
  image_title: string | null
  image_width: number | null
  image_height: number | null
  pdf_fid: number | null
  pdf_description: string | null
  body: string | null
  body_summary: string | null
  body_format: string | null
  tracking: boolean
  head_tags: string | null
  body_tags: string | null
  created_at: string
  updated_at: string
  content_hash: string
  /** The article as UTF-8 JSON text (the transform's `document`), written to the jsonb column as it is. */
  document: Buffer
}

export function toArticleRow(article: Article, contentHash: string, document: Buffer): ArticleRow {
  return {
    legacy_nid: article.legacyNid,
    bundle: article.bundle,
    language: article.language,
    title: article.title,
    slug: article.slug,
    published: article.published,
    workflow_state: article.workflowState,
    is_live: article.isLive,
    authors: article.authors,
    bylines: article.bylines,
    summary: article.summary,
    social: article.social,
    published_at: article.publishedAt,
    image_fid: article.image?.file?.fid ?? null,
    image_caption: article.image?.caption ?? null,
    image_credit: article.image?.credit ?? null,
    image_alt: article.image?.alt ?? null,
    image_title: article.image?.title ?? null,
    image_width: article.image?.width ?? null,
    image_height: article.image?.height ?? null,
    pdf_fid: article.pdf?.file?.fid ?? null,
    pdf_description: article.pdf?.description ?? null,
    body: article.body?.value ?? null,
    body_summary: article.body?.summary ?? null,
    body_format: article.body?.format ?? null,
    tracking: article.tracking,
    head_tags: article.headTags,
    body_tags: article.bodyTags,
    created_at: article.createdAt,
    updated_at: article.updatedAt,
    content_hash: contentHash,
    document,
  }
}

/** Column list with Postgres types, in the order of ArticleRow (used by jsonb_to_recordset). */
export const ARTICLE_COLUMNS: readonly (readonly [keyof ArticleRow, string])[] = [
  ['legacy_nid', 'int'],
  ['bundle', 'text'],
  ['language', 'text'],
  ['title', 'text'],
  ['slug', 'text'],
  ['published', 'boolean'],
  ['workflow_state', 'int'],
  ['is_live', 'boolean'],
  ['authors', 'text[]'],
  ['bylines', 'text[]'],
  ['summary', 'text'],
  ['social', 'text'],
  ['published_at', 'timestamptz'],
  ['image_fid', 'int'],
  ['image_caption', 'text'],
  ['image_credit', 'text'],
  ['image_alt', 'text'],
  ['image_title', 'text'],
  ['image_width', 'int'],
  ['image_height', 'int'],
  ['pdf_fid', 'int'],
  ['pdf_description', 'text'],
  ['body', 'text'],
  ['body_summary', 'text'],
  ['body_format', 'text'],
  ['tracking', 'boolean'],
  ['head_tags', 'text'],
  ['body_tags', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
  ['content_hash', 'text'],
  ['document', 'jsonb'],
]
