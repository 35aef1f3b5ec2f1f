import type { BlockTypeInventory, BundleInventory, SourceInventory } from '../extract/inspect-source.js'
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
/**
 * `schemaRef`: the mapping JSON schema as the modeline names it, relative to where the mapping is
 * written (default: beside it, as in mappings/).
 */
export function scaffoldMapping(
  inv: SourceInventory,
  bundle: BundleInventory,
  site: string,
  schemaRef = './mapping.schema.json',
): string {
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
      // Reference fields are under `references` (scaffoldRelations), item hosts under `blocks`.
      if (!(f.targetType !== null && REFERENCE_KINDS[f.targetType]) && !BLOCK_HOST_TYPES.has(f.type))
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
    `# yaml-language-server: $schema=${schemaRef}`,
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
  lines.push(...scaffoldRelations(inv, bundle))
  lines.push(...scaffoldBlocks(inv, bundle))
  if (unmapped.length) lines.push('', '# Not mapped (no obvious article attribute):', ...unmapped)
  return `${lines.join('\n')}\n`
}

const REFERENCE_KINDS: Readonly<Record<string, string>> = {
  node: 'node',
  user: 'user',
  taxonomy_term: 'term',
}

/**
 * authorRecords, references and menus (mappings/README.md) for what the inventory found: the users
 * nodes are by (with a name-like text field of the user entity as display name, and a multi-valued
 * user reference named like "author" as the author list), the bundle's reference fields, and the
 * menus that link to nodes.
 */
function scaffoldRelations(inv: SourceInventory, bundle: BundleInventory): string[] {
  const out: string[] = []
  if (inv.people.nodeAuthors > 0) {
    const byline = bundle.fields.find((f) => f.targetType === 'user' && /author|byline|writer/.test(f.name))
    const column = byline?.columns.includes('target_id') ? 'target_id' : 'uid'
    const display = inv.people.userFields.find(
      (f) => /name/.test(f.name) && f.columns.includes('value') && f.type.startsWith('text'),
    )
    out.push(
      '',
      `# Authors from users: ${inv.people.users} users, ${inv.people.nodeAuthors} of them authors of nodes.`,
      'authorRecords:',
      byline
        ? `  from: ${byline.name}.${column} # ${byline.type}, cardinality ${byline.cardinality}: the author list, in order`
        : '  from: node.uid',
      '  revision: true # also the user of the current revision',
      display
        ? `  displayName: ${display.name}.value # a field of the user entity`
        : `  # displayName: field_full_name.value # a text field of the user entity${inv.people.userFields.length ? ` (user fields: ${inv.people.userFields.map((f) => f.name).join(', ')})` : ' (this site has none)'}`,
    )
  }
  const refs = bundle.fields.filter((f) => f.targetType !== null && REFERENCE_KINDS[f.targetType])
  if (refs.length > 0) {
    out.push('', '# Reference fields: article_reference rows, resolved to migrated rows after the batches.')
    out.push('references:')
    for (const f of refs) out.push(`  ${f.name}: ${REFERENCE_KINDS[f.targetType ?? '']} # ${f.type}`)
  }
  const other = bundle.fields.filter((f) => f.targetType !== null && !REFERENCE_KINDS[f.targetType])
  for (const f of other) out.push(`# ${f.name}: ${f.type} to ${f.targetType}: no migrated rows of that kind`)
  if (inv.metatag) {
    out.push(
      '',
      `# SEO metadata: metatag has ${inv.metatag.nodeRows} node rows and defaults ${inv.metatag.defaults.join(', ') || '(none)'}.`,
      "# Give the new site's base URL (canonical URLs) and what [site:name] is, then uncomment:",
      '# seo: { baseUrl: "https://www.example.com", siteName: "Example" }',
    )
  }
  const linking = inv.menus.filter((m) => m.nodeLinks > 0)
  if (inv.menus.length > 0) {
    out.push(
      '',
      `# Menus: ${inv.menus.map((m) => `${m.menu} (${m.links} links, ${m.nodeLinks} to nodes)`).join(', ')}.`,
    )
    out.push(linking.length > 0 ? `menus: [${linking.map((m) => m.menu).join(', ')}]` : '# menus: []')
  }
  return out
}

const BLOCK_HOST_TYPES = new Set(['field_collection', 'paragraphs'])

/**
 * `blocks` (mappings/README.md) for the bundle's field collection and paragraphs fields: every host
 * field reachable from the bundle (nested hosts included) and, per item type they hold, its own
 * fields mapped by type (host fields nest instead). Empty when the bundle has no such field.
 */
function scaffoldBlocks(inv: SourceInventory, bundle: BundleInventory): string[] {
  const hosts: string[] = bundle.fields.filter((f) => BLOCK_HOST_TYPES.has(f.type)).map((f) => f.name)
  if (hosts.length === 0) return []
  const types: BlockTypeInventory[] = []
  for (let i = 0; i < hosts.length; i++) {
    const host = hosts[i] as string
    for (const t of inv.blockTypes) {
      const holds = t.hostFields.includes(host) || (t.entity === 'field_collection_item' && t.type === host)
      if (!holds || types.includes(t)) continue
      types.push(t)
      for (const f of t.fields)
        if (BLOCK_HOST_TYPES.has(f.type) && !hosts.includes(f.name)) hosts.push(f.name)
    }
  }
  const out = [
    '',
    '# Field collections and paragraphs: `block` rows in order (nested ones under their parent).',
    'blocks:',
    `  fields: [${hosts.join(', ')}]`,
    '  types:',
  ]
  for (const t of types) {
    const kind = t.entity === 'paragraphs_item' ? 'paragraphs bundle' : 'field collection'
    const archived = t.archived > 0 ? `, ${t.archived} archived (left out)` : ''
    out.push(
      `    # ${kind} ${t.type}: ${t.items} items${archived}, in ${t.hostFields.join(', ') || '(no items)'}`,
    )
    const own = t.fields.filter((f) => !BLOCK_HOST_TYPES.has(f.type))
    if (own.length === 0) {
      out.push(`    ${t.type}: {}`)
      continue
    }
    out.push(`    ${t.type}:`)
    for (const f of own) {
      const name = f.name.replace(/^field_/, '')
      const attribute = EXTRA_NAME.test(name) ? name : `f_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`
      out.push(`      ${attribute}: ${blockValue(f)} # ${f.type}`)
    }
  }
  return out
}

/** A block attribute's value for one field of an item, by field type, in YAML flow style. */
function blockValue(f: BlockTypeInventory['fields'][number]): string {
  const one = f.cardinality === 1
  const first = one ? 'first, ' : ''
  if (f.type === 'text_with_summary') return `{ from: ${f.name}, using: [${first}text-with-summary] }`
  if (f.type === 'taxonomy_term_reference') return `{ from: ${f.name}.tid, using: [terms] }`
  if (f.type === 'image') return `{ from: ${f.name}, using: [${first}image] }`
  if (f.type === 'file') return `{ from: ${f.name}, using: [${first}attachment] }`
  if (f.type === 'link_field') return `{ from: ${f.name}, using: [link, compact${one ? ', first' : ''}] }`
  if (DATE_TYPES.has(f.type)) return `{ from: ${f.name}, using: [${first}date-field] }`
  if (f.type.startsWith('list_')) return `{ from: ${f.name}.value, using: [${first}list-label] }`
  const column = ['value', 'target_id', 'nid', 'uid', 'tid', 'fid', 'email'].find((c) =>
    f.columns.includes(c),
  )
  const path = column ? `${f.name}.${column}` : f.columns[0] ? `${f.name}.${f.columns[0]}` : f.name
  return one ? `{ from: ${path}, using: [first] }` : `{ from: ${path} }`
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
