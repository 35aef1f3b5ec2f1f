import type { BundleInventory, SourceInventory } from '../extract/inspect-source.js'
import type { BodySample } from '../extract/sample-bodies.js'
import { EXTRA_NAME } from '../model/article.js'

const DATE_TYPES = new Set(['datetime', 'datestamp', 'date'])

const TERM_ROLES: readonly [RegExp, string][] = [
  [/publication/, 'publications'],
  [/section/, 'sections'],
  [/tag|subject|topic|categor/, 'subjects'],
]

/**
 * A starting mapping for one bundle, from what `inspectSource` found: the fields that have an obvious
 * home in the article model are mapped, the rest are listed as comments with their type and columns.
 * The result passes `dhm check` against the database it came from.
 */
export function scaffoldMapping(inv: SourceInventory, bundle: BundleInventory, site: string): string {
  const mapped: string[] = []
  const unmapped: string[] = []
  const used = new Set<string>()
  const titleModule = inv.modules.find((m) => m.name === 'title')?.enabled ?? false
  const hasTranslations = inv.translations.sets > 0
  const hasAliases = inv.aliases.rows > 0
  const mediaModule = inv.modules.find((m) => m.name === 'media')?.present ?? false
  const ownHosts = bundle.bodies ? siteHostsOf(bundle.bodies) : []
  const set = (attribute: string, value: string, comment: string) => {
    used.add(attribute)
    mapped.push(`  # ${comment}`, `  ${attribute}: ${value}`)
  }
  for (const f of bundle.fields) {
    const card = f.cardinality === -1 ? 'unlimited' : String(f.cardinality)
    const about = `${f.name}: ${f.type}, cardinality ${card}, columns ${f.columns.join(', ')}`
    if (f.name === 'title_field' && !used.has('title')) {
      set(
        'title',
        `{ from: title_field.value, using: [first, trim, empty-to-null], default: { from: node.title, using: [first] } }`,
        `${about} (Title module${titleModule ? '' : ', disabled'}: wins over node.title)`,
      )
    } else if (f.type === 'text_with_summary' && !used.has('body')) {
      const rules = bundle.bodies?.field === f.name ? bodyRules(bundle.bodies, mediaModule) : null
      if (rules) mapped.push(...rules.comments.map((c) => `  # ${c}`))
      set(
        'body',
        `{ from: ${f.name}, using: [first, text-with-summary${rules?.rule ? `, ${rules.rule}` : ''}] }`,
        about,
      )
    } else if (f.type === 'taxonomy_term_reference') {
      const role = TERM_ROLES.find(([re]) => re.test(f.name))?.[1] ?? 'subjects'
      if (!used.has(role)) set(role, `{ from: ${f.name}.tid, using: [terms] }`, about)
      else unmapped.push(`# ${about}: e.g. { from: ${f.name}.tid, using: [term-name] }`)
    } else if (f.type === 'image' && !used.has('image')) {
      set('image', `{ from: ${f.name}, using: [first, image] }`, about)
    } else if (f.type === 'file' && !used.has('pdf')) {
      set('pdf', `{ from: ${f.name}, using: [first, attachment] }`, about)
    } else if (DATE_TYPES.has(f.type) && EXTRA_NAME.test(f.name.replace(/^field_/, ''))) {
      // The date module's fields: UTC instants (or dates) with their end dates, as the field stores them.
      set(`extra.${f.name.replace(/^field_/, '')}`, `{ from: ${f.name}, using: [first, date-field] }`, about)
    } else {
      unmapped.push(`# ${about}${f.vocabulary ? `, vocabulary ${f.vocabulary}` : ''}`)
    }
  }
  // A dump without some field_revision_* tables: read every field from field_data_* instead.
  const revisionless = bundle.fields.filter((f) => !f.hasRevisionTable).map((f) => `field_revision_${f.name}`)
  const fieldTables = revisionless.length
    ? [
        `  # This database has no ${revisionless.join(', ')}: values come from field_data_*, the`,
        '  # current revision as Drupal stores it for display (with every field_revision_* table, use revision).',
        '  fieldTables: data',
      ]
    : ['  fieldTables: revision']
  const lines = [
    '# yaml-language-server: $schema=./mapping.schema.json',
    `# Scaffolded by "dhm inspect --scaffold ${bundle.type}": ${bundle.nodes} nodes, ${bundle.fields.length} fields.`,
    '# Every key is documented in mappings/README.md; check it with "dhm check --mapping FILE".',
    `site: ${site}`,
    `description: ${JSON.stringify(`${bundle.name} (${bundle.type}) nodes`)}`,
    '',
    'source:',
    `  bundles: [${bundle.type}]`,
    ...(inv.tablePrefix
      ? [
          `  # Drupal's tables carry the prefix ${inv.tablePrefix} here (settings.php's prefix).`,
          `  tablePrefix: ${inv.tablePrefix}`,
        ]
      : []),
    ...fieldTables,
    ...(hasTranslations
      ? ['  # Nodes linked by tnid become one article with translations.', '  translations: tnid']
      : []),
    '',
    '# files:',
    `#   publicBaseUrl: https://${ownHosts[0] ?? 'example.com'}/sites/default/files/`,
    '',
    'live: { path: node.status, equals: 1 }',
    'filters: []',
    '',
    'fields:',
    ...(hasAliases
      ? ['  # slug defaults to the newest alias (alias.path); older aliases become redirects.']
      : []),
    ...(mapped.length ? mapped : ['  title: node.title']),
    ...(inv.modules.find((m) => m.name === 'workflow')?.present
      ? []
      : [
          '  # No workflow module: the default (workflow.sid) would need workflow_node.',
          '  workflowState: { constant: null }',
        ]),
  ]
  if (unmapped.length) lines.push('', '# Not mapped (no obvious article attribute):', ...unmapped)
  return `${lines.join('\n')}\n`
}

/** The hosts a body sample shows to be the old site's own: links to node/N, aliases or its files. */
export function siteHostsOf(sample: BodySample): string[] {
  return sample.hosts.filter((h) => h.internal > 0).map((h) => h.host)
}

/**
 * The `body-html` rule a body sample calls for, in YAML flow style, with comments saying what the
 * sample found; rule null when the bodies need none. Own hosts are those with internal links (see
 * siteHostsOf); other hosts are listed in a comment, as links that stay as they are.
 */
export function bodyRules(
  sample: BodySample,
  mediaModule: boolean,
): { readonly rule: string | null; readonly comments: readonly string[] } {
  const own = siteHostsOf(sample)
  const others = sample.hosts.filter((h) => h.internal === 0).slice(0, 5)
  const n = sample.sampled
  const comments = [
    `Sampled the newest ${n} bodies: ${sample.nodeLinks} link to node/N, ${sample.aliasLinks} to aliases, ` +
      `${sample.filePaths} to files (/sites/*/files/, public://), ${sample.mediaTokens} hold media tokens.`,
    ...sample.hosts
      .filter((h) => h.internal > 0)
      .map(
        (h) =>
          `${h.host}: ${h.links} links in ${h.bodies} bodies, ${h.internal} to its nodes, aliases or files: the old site (siteHosts).`,
      ),
    ...(others.length > 0
      ? [`Other hosts, left as they are: ${others.map((h) => `${h.host} (${h.links})`).join(', ')}.`]
      : []),
  ]
  const parts: string[] = []
  if (sample.mediaTokens > 0 && mediaModule) parts.push('mediaTokens: true')
  else if (sample.mediaTokens > 0) {
    comments.push(
      'Media tokens, but no media module in system: add mediaTokens: true if file_managed has their fids.',
    )
  }
  if (sample.filePaths > 0 || own.length > 0) parts.push('fileUris: true')
  if (sample.nodeLinks > 0 || sample.aliasLinks > 0 || own.length > 0) {
    parts.push(`rewriteLinks: { pattern: "/{slug}", siteHosts: [${own.join(', ')}] }`)
  }
  if (parts.length === 0) return { rule: null, comments }
  comments.push('Links body-html cannot resolve stay as they are and are listed in the run report.')
  return { rule: `{ body-html: { ${parts.join(', ')} } }`, comments }
}

/**
 * The `site` of a scaffolded mapping: the database and the bundle, so that scaffolds of two bundles
 * of one database never share a site (one site per mapping keeps each sync's high-water mark, lock
 * and deletion scan its own). `dhm_legacy_demo`, `news_item` → `dhm-legacy-demo-news-item`.
 */
export function scaffoldSite(database: string, bundle: string, tablePrefix = ''): string {
  return toSiteKey(`${database}-${tablePrefix}${tablePrefix ? '-' : ''}${bundle}`)
}

/** Any text as a valid site key (SITE_PATTERN): lowercase, runs of anything else become one `-`. */
export function toSiteKey(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return s === '' ? 'site' : s
}
