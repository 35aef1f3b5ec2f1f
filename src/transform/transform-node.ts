import { TransformError } from '../errors.js'
import type { D7NodeBundle } from '../extract/d7-types.js'
import type { CompiledCondition, CompiledMapping, CompiledValue } from '../mapping/compile.js'
import type { SourcePath } from '../mapping/source-path.js'
import { NESTED_ATTRIBUTES, parseArticle } from '../model/article.js'
import { documentBytes, documentText, hashDocument } from '../model/content-hash.js'
import { blocksOf } from './blocks.js'
import { type ContentTally, countRule } from './content/content-tally.js'
import { normalizeDates, scrubNul } from './normalize-row.js'
import { excerpt, type Issue, type RowOutcome } from './outcome.js'
import { TRANSFORMS, type TransformContext, type TransformDef } from './registry.js'
import { authorRecordsOf, referencesOf } from './relations.js'
import { type SeoContext, seoOf } from './seo.js'

/**
 * Turn one Drupal node into an article, or say why not. Pure and synchronous: everything the node
 * needs (field items, terms, files, aliases) arrived with it from the extractor.
 */
export function transformNode(node: D7NodeBundle, mapping: CompiledMapping): RowOutcome {
  const ref = { nid: node.nid, vid: node.vid }
  // MariaDB's default collation matches `type IN ('article')` for 'Article' too; Drupal does not.
  if (!mapping.source.bundles.includes(node.type)) {
    return {
      kind: 'filtered',
      ref,
      reason: `type ${JSON.stringify(node.type)} is not one of the mapped bundles (${mapping.source.bundles.join(', ')}); bundle names are case-sensitive`,
    }
  }
  // D7 stores tnid = 0 for untranslated nodes and tnid = nid for the source node of a set.
  if (mapping.source.translations === 'tnid' && node.tnid !== 0 && node.tnid !== node.nid) {
    return { kind: 'filtered', ref, reason: `translation of node ${node.tnid}: merged into its article` }
  }
  for (const [i, filter] of mapping.filters.entries()) {
    if (!evaluateCondition(filter, node)) {
      return { kind: 'filtered', ref, reason: `does not match filters[${i}] (${describeCondition(filter)})` }
    }
  }

  const warnings: Issue[] = []
  const issues: Issue[] = []
  const values: Record<string, unknown> = {}
  // Attributes set as by-products (body-html: bodyOriginal, media) and content-rule counts.
  const extras: Record<string, unknown> = {}
  const content: ContentTally = {}
  let ownExtra: Record<string, unknown> | null = null
  // One context per node (not per attribute): the attribute being evaluated is `name`, mutable.
  let name = ''
  const ctx: { -readonly [K in keyof TransformContext]: TransformContext[K] } = {
    node,
    files: mapping.files,
    field: null,
    warn: (reason) => {
      warnings.push({ field: name, reason, excerpt: null })
    },
    count: (rule, example) => {
      countRule(content, rule, example === undefined ? undefined : `node ${node.nid} ${name}: ${example}`)
    },
    emit: (attribute, v) => {
      extras[attribute] = v
    },
  }
  for (const { attribute, parent, value } of mapping.attributes) {
    name = parent ? `${parent}.${attribute}` : attribute
    ctx.field = value.kind === 'pipeline' && value.source.kind === 'field' ? value.source.field : null
    let result: unknown
    try {
      result = evaluateValue(value, node, ctx)
    } catch (error) {
      if (!(error instanceof TransformError)) throw error
      issues.push({ field: name, reason: error.message, excerpt: excerpt(error.value) })
      continue
    }
    if (parent === null) {
      values[attribute] = result
    } else if (parent === 'extra') {
      // extra.<name> is always present (null when the source has nothing), so consumers see one shape.
      // Copied once per article, then filled in place (a whole `extra` may be a frozen constant).
      if (ownExtra === null || values.extra !== ownExtra) {
        ownExtra = { ...((values.extra as Record<string, unknown> | null | undefined) ?? {}) }
        values.extra = ownExtra
      }
      ownExtra[attribute] = result ?? null
    } else if (result !== null && result !== undefined) {
      // A nested attribute (image.caption) fills in its parent, creating it when the parent is empty:
      // a caption without a picture is still content the editor wrote. A copy, not in place: the
      // parent may be a value a transform returned (and a constant is frozen and shared).
      const base = (values[parent] as Record<string, unknown> | null | undefined) ?? emptyObject(parent)
      values[parent] = { ...base, [attribute]: result }
    }
  }
  // Author records and references (mapping keys authorRecords, references): absent without them.
  const { relations } = mapping
  if (relations.authors) {
    name = 'authorRecords'
    extras.authorRecords = authorRecordsOf(node, relations.authors, mapping.files, ctx.warn)
  }
  if (relations.references.length > 0) extras.references = referencesOf(node, relations.references)
  if (mapping.blocks) {
    name = 'blocks'
    const noEmit = () => {}
    extras.blocks = blocksOf(
      node,
      mapping.blocks,
      (value, view, at) => {
        const field = value.kind === 'pipeline' && value.source.kind === 'field' ? value.source.field : null
        // Warnings name the block attribute (blocks[0].tags); the block-level ones name `blocks`.
        name = at
        try {
          return evaluateValue(value, view, { ...ctx, node: view, field, emit: noEmit })
        } catch (error) {
          if (!(error instanceof TransformError)) throw error
          issues.push({ field: at, reason: error.message, excerpt: excerpt(error.value) })
          return null
        } finally {
          name = 'blocks'
        }
      },
      ctx.warn,
    )
  }
  const dateIssue = normalizeDates(values, (field, reason) => warnings.push({ field, reason, excerpt: null }))
  if (dateIssue) issues.push(dateIssue)
  if (issues.length > 0) return { kind: 'invalid', ref, issues }
  if (node.strayLanguageRows > 0) {
    warnings.push({
      field: '(fields)',
      reason: `${node.strayLanguageRows} row(s) of non-translatable fields in a language other than und ignored`,
      excerpt: null,
    })
  }
  if (node.missingRevision) {
    warnings.push({
      field: '(fields)',
      reason: `node.vid ${node.vid} has no node_revision row: no current-revision field values (node columns only)`,
      excerpt: null,
    })
  }

  const translations: Record<string, unknown>[] = []
  const redirects = redirectsOf(node, values.slug)
  // entity_translation: each other language of this node, read as a node in that language (its
  // field items and aliases, published from entity_translation.status), then treated as tnid ones.
  const inPlace: ReadonlySet<D7NodeBundle> = node.entityTranslations?.length
    ? new Set(
        node.entityTranslations.map(
          (et): D7NodeBundle => ({
            ...node,
            language: et.language,
            status: et.status,
            fields: et.fields,
            aliases: et.aliases,
            entityTranslations: [],
          }),
        ),
      )
    : NO_VIEWS
  const others = inPlace.size > 0 ? [...(node.translations ?? []), ...inPlace] : (node.translations ?? [])
  for (const t of others) {
    const outcome = transformNode(
      { ...t, translations: [] },
      { ...mapping, filters: [], source: { ...mapping.source, translations: 'none' } },
    )
    if (outcome.kind !== 'ok') {
      const why =
        outcome.kind === 'invalid'
          ? outcome.issues.map((i) => `${i.field}: ${i.reason}`).join('; ')
          : outcome.kind === 'filtered'
            ? outcome.reason
            : 'not transformed'
      issues.push({
        field: 'translations',
        reason: `translation node ${t.nid} (${t.language}): ${why}`,
        excerpt: null,
      })
      continue
    }
    const a = outcome.article
    translations.push({
      language: a.language,
      legacyNid: t.nid,
      title: a.title,
      slug: a.slug,
      body: a.body,
      published: inPlace.has(t) ? t.status === 1 : a.published,
    })
    redirects.push(...a.redirects)
  }
  if (issues.length > 0) return { kind: 'invalid', ref, issues }

  if (relations.seo) {
    name = 'seo'
    extras.seo = seoOf(node.metatags, node.language, seoContext(node.nid, values, mapping), ctx.warn)
  }
  // The mapped values become the candidate in place (not a spread copy per article): keys in the
  // same order as `{ ...values, ...extras, site, … }` would give them.
  const candidate = Object.assign(values, extras) as Record<string, unknown> & {
    site: string
    legacyNid: number
    bundle: string
    isLive: boolean
    translations: Record<string, unknown>[]
    redirects: { path: string; language: string; legacyNid: number }[]
  }
  candidate.site = mapping.site
  candidate.legacyNid = node.nid
  candidate.bundle = node.type
  candidate.isLive = evaluateCondition(mapping.live, node)
  candidate.translations = translations
  candidate.redirects = redirects
  let parsed = parseArticle(candidate)
  // The article is serialized once: this text is what the loader writes and what the hash covers
  // (with the body value, which the document leaves to the `body` column).
  let document = parsed.success ? documentText(parsed.data) : null
  // Postgres text cannot hold NUL: scrub (and validate again) only when the article has one, which
  // its JSON shows as \u0000 (the body value: as itself); a row that fails validation is scrubbed
  // too, as NUL may be why.
  let scrubbed: typeof candidate = candidate
  if (document === null || document.includes('\\u0000') || parsed.data?.body?.value.includes('\u0000')) {
    scrubbed = scrubNul(candidate, (field, reason) => warnings.push({ field, reason, excerpt: null }))
    parsed = parseArticle(scrubbed)
    document = parsed.success ? documentText(parsed.data) : null
  }
  if (!parsed.success || document === null) {
    return {
      kind: 'invalid',
      ref,
      issues: (parsed.error?.issues ?? []).map((i) => ({
        field: i.path.join('.') || '(article)',
        reason: i.message,
        excerpt: excerpt(valueAt(scrubbed, i.path)),
      })),
    }
  }
  const article = parsed.data
  // Encoded once: the hash is taken over the bytes the loader writes (hashing the text would encode
  // it to UTF-8 a second time). A mapping that owns `body` stores the body value in the document too.
  const hashed = documentBytes(document)
  const bytes = mapping.owned.fields.includes('body') ? documentBytes(documentText(article, true)) : hashed
  return {
    kind: 'ok',
    ref,
    article,
    document: bytes,
    contentHash: hashDocument(hashed, article.body?.value ?? null),
    warnings,
    strayLanguageRows: node.strayLanguageRows,
    ...(Object.keys(content).length > 0 ? { content } : {}),
  }
}

const NO_VIEWS: ReadonlySet<D7NodeBundle> = new Set()

/** What metatag tokens become: the article's mapped values (title, summary, slug, image). */
function seoContext(nid: number, values: Record<string, unknown>, mapping: CompiledMapping): SeoContext {
  const image = values.image as { file?: { url?: string | null } | null } | null | undefined
  const imageAttr = mapping.attributes.find((a) => a.attribute === 'image' && a.parent === null)
  const source = imageAttr?.value.kind === 'pipeline' ? imageAttr.value.source : null
  const text = (v: unknown) => (typeof v === 'string' ? v : null)
  return {
    nid,
    title: text(values.title),
    summary: text(values.summary),
    slug: text(values.slug),
    imageUrl: image?.file?.url ?? null,
    imageField: source?.kind === 'field' ? source.field : null,
    baseUrl: mapping.relations.seo?.baseUrl ?? '',
    siteName: mapping.relations.seo?.siteName ?? '',
  }
}

/** Every alias of the node except the one that became its slug: old URLs that must keep working. */
function redirectsOf(
  node: D7NodeBundle,
  slug: unknown,
): { path: string; language: string; legacyNid: number }[] {
  const seen = new Set<string>(typeof slug === 'string' ? [slug] : [])
  const out: { path: string; language: string; legacyNid: number }[] = []
  for (const a of node.aliases) {
    const path = normalizeAlias(a.alias)
    if (path === '' || seen.has(path)) continue
    seen.add(path)
    out.push({ path, language: a.language, legacyNid: node.nid })
  }
  return out
}

const normalizeAlias = (alias: string) => alias.trim().replace(/^\/+/, '')

function emptyObject(parent: string): Record<string, unknown> {
  return Object.fromEntries((NESTED_ATTRIBUTES[parent] ?? []).map((k) => [k, null]))
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root
  for (const key of path)
    v = v === null || typeof v !== 'object' ? undefined : (v as Record<PropertyKey, unknown>)[key]
  return v
}

const isNothing = (v: unknown) => v === null || v === undefined || (Array.isArray(v) && v.length === 0)

function evaluateValue(value: CompiledValue, node: D7NodeBundle, ctx: TransformContext): unknown {
  // Deep-frozen by compileMapping: shared, not copied per article.
  if (value.kind === 'constant') return value.value
  let v: unknown = resolveSourcePath(value.source, node)
  for (const step of value.steps) {
    // compileMapping checked the name against the catalog, which lists the registry's transforms.
    const def = TRANSFORMS[step.name] as TransformDef
    v =
      def.mode === 'each' && Array.isArray(v)
        ? v.map((x) => def.apply(x, step.arg, ctx))
        : def.apply(v, step.arg, ctx)
  }
  if (isNothing(v) && value.fallback) {
    const f = value.fallback
    // list-label reads the allowed values of the field its pipeline reads: a fallback may read another.
    const field = f.kind === 'pipeline' && f.source.kind === 'field' ? f.source.field : null
    return evaluateValue(f, node, field === ctx.field ? ctx : { ...ctx, field })
  }
  return v
}

/** The list of raw values a source path yields for a node: one per delta, or one for node columns. */
export function resolveSourcePath(path: SourcePath, node: D7NodeBundle): unknown[] {
  switch (path.kind) {
    case 'node':
      return [node[path.column]]
    case 'workflow':
      return node.workflow ? [node.workflow[path.column]] : []
    case 'publication_date':
      return node.publicationDate === null ? [] : [node.publicationDate]
    case 'alias': {
      const aliases = node.aliases.map((a) => normalizeAlias(a.alias))
      if (path.column === 'all') return aliases
      // The slug: the newest alias in the node's language (or language neutral), else the newest.
      const own = node.aliases.find((a) => a.language === node.language || a.language === 'und')
      return own ? [normalizeAlias(own.alias)] : aliases.slice(0, 1)
    }
    case 'field': {
      const items = node.fields[path.field] ?? []
      const column = path.column
      return column === null ? items.map((i) => i.values) : items.map((i) => i.values[column] ?? null)
    }
  }
}

function evaluateCondition(c: CompiledCondition, node: D7NodeBundle): boolean {
  switch (c.kind) {
    case 'true':
      return true
    case 'all':
      return c.conditions.every((x) => evaluateCondition(x, node))
    case 'any':
      return c.conditions.some((x) => evaluateCondition(x, node))
    case 'not':
      return !evaluateCondition(c.condition, node)
    case 'test': {
      const values = resolveSourcePath(c.source, node)
      const same = (a: unknown, b: unknown) => a !== null && a !== undefined && String(a) === String(b)
      if (c.equals !== undefined && !values.some((v) => same(v, c.equals))) return false
      if (c.in !== undefined && !values.some((v) => c.in?.some((x) => same(v, x)))) return false
      if (c.present !== undefined && values.some((v) => !isNothing(v) && v !== '') !== c.present) return false
      return true
    }
  }
}

function describeCondition(c: CompiledCondition): string {
  switch (c.kind) {
    case 'true':
      return 'true'
    case 'all':
    case 'any':
      return `${c.kind}(${c.conditions.map(describeCondition).join(', ')})`
    case 'not':
      return `not ${describeCondition(c.condition)}`
    case 'test': {
      const path =
        c.source.kind === 'field'
          ? `${c.source.field}${c.source.column ? `.${c.source.column}` : ''}`
          : `${c.source.kind}.${c.source.column}`
      if (c.equals !== undefined) return `${path} = ${JSON.stringify(c.equals)}`
      if (c.in !== undefined) return `${path} in ${JSON.stringify(c.in)}`
      return `${path} ${c.present ? 'present' : 'absent'}`
    }
  }
}
