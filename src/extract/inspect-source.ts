import type { RowDataPacket } from 'mysql2/promise'
import { redactUrl } from '../config/redact.js'
import { ConfigError } from '../errors.js'
import { asPhpRecord, readPhpSerialized } from './php-unserialize.js'
import { type BodySample, sampleBodies } from './sample-bodies.js'
import { readBundles } from './source-bundles.js'
import { quoteIdent, type SourceConnection } from './source-db.js'
import { listTables, noNodeTable } from './source-schema.js'
import { findTablePrefixes, prefixedTable, siteTables, tableRef } from './table-prefix.js'

/** Contrib modules whose storage changes where a node's values live (see mappings/README.md). */
export const STORAGE_MODULES = [
  'title',
  'entity_translation',
  'translation',
  'locale',
  'workflow',
  'publication_date',
  'media',
  'path',
] as const

export interface FieldInventory {
  readonly name: string
  readonly label: string | null
  readonly type: string
  readonly module: string
  /** -1 = unlimited. */
  readonly cardinality: number
  readonly translatable: boolean
  /** Short column names: `value`, `summary`, `format`, `tid`, `fid`, `url`, `attributes`… */
  readonly columns: readonly string[]
  /** Rows of field_data_<name> for this bundle (deleted = 0), and of field_revision_<name>. */
  readonly rows: number
  readonly revisionRows: number
  /** false: the database has no field_revision_<name> (dumps often leave the big ones out). */
  readonly hasRevisionTable: boolean
  /** Vocabulary of a term reference field. */
  readonly vocabulary: string | null
  /**
   * What a reference field points at: `node` (node_reference, entityreference to nodes), `user`,
   * `taxonomy_term`, another entity type of an entityreference; null for other fields.
   */
  readonly targetType: string | null
}

/** The users a site's nodes are by, and the fields of the user entity (display-name candidates). */
export interface PeopleInventory {
  readonly users: number
  /** Distinct node.uid values (0, anonymous, left out). */
  readonly nodeAuthors: number
  readonly userFields: readonly {
    readonly name: string
    readonly type: string
    readonly columns: readonly string[]
  }[]
}

/** A menu of menu_links: its links and how many of them point at nodes (`node/N`). */
export interface MenuInventory {
  readonly menu: string
  readonly links: number
  readonly nodeLinks: number
}

export interface BundleInventory {
  readonly type: string
  readonly name: string
  /** false: nodes of this type exist but node_type has no row for it (its module was removed). */
  readonly declared: boolean
  readonly nodes: number
  readonly published: number
  readonly unpublished: number
  readonly fields: readonly FieldInventory[]
  /** What a sample of its bodies (first text_with_summary field) links to; null without one. */
  readonly bodies: BodySample | null
}

export interface SourceInventory {
  readonly bundles: readonly BundleInventory[]
  readonly vocabularies: readonly {
    readonly machineName: string
    readonly name: string
    readonly terms: number
  }[]
  /** node.language values with their node counts (`und` = language neutral). */
  readonly languages: readonly { readonly language: string; readonly nodes: number }[]
  /** Node translation sets (tnid) and nodes with several languages in one field (entity_translation). */
  readonly translations: { readonly sets: number; readonly translatedNodes: number }
  /** Text formats: declared in filter_format (if the table exists) and used by *_format columns. */
  readonly textFormats: readonly {
    readonly format: string
    readonly name: string | null
    readonly uses: number
  }[]
  readonly modules: readonly {
    readonly name: string
    readonly present: boolean
    readonly enabled: boolean
    readonly schemaVersion: number | null
  }[]
  /** url_alias rows pointing at nodes, and nodes with more than one alias. */
  readonly aliases: { readonly rows: number; readonly nodesWithSeveral: number }
  readonly people: PeopleInventory
  readonly menus: readonly MenuInventory[]
  /** The metatag module's tables: node rows and metatag_config instances (null: no metatag tables). */
  readonly metatag: { readonly nodeRows: number; readonly defaults: readonly string[] } | null
  /** Field collection and paragraphs item types (empty without those modules' tables). */
  readonly blockTypes: readonly BlockTypeInventory[]
  /** The table prefix of the site described ('' = none). */
  readonly tablePrefix: string
  /** Every Drupal 7 site of the database (one per table prefix), with its node count and bundles. */
  readonly sites: readonly SourceSite[]
}

/**
 * A type of field collection or paragraphs item (mapping key `blocks`): a paragraphs bundle, or a
 * field collection field (its items' type is its field name), with its items and its own fields.
 */
export interface BlockTypeInventory {
  readonly entity: 'field_collection_item' | 'paragraphs_item'
  readonly type: string
  /** Items of this type, of them archived; and the host fields that hold them. */
  readonly items: number
  readonly archived: number
  readonly hostFields: readonly string[]
  readonly fields: readonly {
    readonly name: string
    readonly type: string
    readonly cardinality: number
    readonly columns: readonly string[]
  }[]
}

/** One Drupal 7 site of a database that holds several (settings.php's `prefix`). */
export interface SourceSite {
  readonly prefix: string
  readonly nodes: number
  readonly bundles: readonly { readonly type: string; readonly nodes: number }[]
}

/**
 * The Drupal 7 sites a database holds: each table prefix under which node, node_revision,
 * field_config and system exist, with its nodes per bundle (read from `<prefix>node`).
 */
export async function findSites(conn: SourceConnection, realNames: readonly string[]): Promise<SourceSite[]> {
  const sites: SourceSite[] = []
  for (const prefix of findTablePrefixes(realNames)) {
    // The real name, from information_schema: each site's node table read by name, not through the
    // pool's prefix (which is the one site being inspected).
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT type, COUNT(*) AS n FROM ${quoteIdent(prefixedTable(prefix, 'node'))} GROUP BY type ORDER BY type`,
    )
    const bundles = rows.map((r) => ({ type: String(r.type), nodes: Number(r.n) }))
    sites.push({ prefix, nodes: bundles.reduce((n, b) => n + b.nodes, 0), bundles })
  }
  return sites
}

/**
 * `dhm inspect`: what a Drupal 7 database holds, read from its own bookkeeping (`node_type`,
 * `field_config`, `field_config_instance`, `taxonomy_vocabulary`, `system`) and the tables
 * themselves. Identifiers used in SQL come from information_schema (never from input), quoted.
 * A database without a `node` table is not a Drupal 7 site: a usage error (exit 2), said so.
 */
export async function inspectSource(
  conn: SourceConnection,
  sourceUrl: string,
  tablePrefix = '',
): Promise<SourceInventory> {
  const rows = async (sql: string, params: unknown[] = []) =>
    (await conn.query<RowDataPacket[]>(sql, params))[0]
  const realNames = await listTables(conn)
  // Drupal's names of this site's tables → their real names (the prefix, if any, in front).
  const realOf = siteTables(realNames, tablePrefix)
  const tables = new Set(realOf.keys())
  if (!tables.has('node')) {
    throw new ConfigError(
      `the database at ${redactUrl(sourceUrl)}: ${noNodeTable(realNames, tablePrefix || undefined)}. ` +
        'Check --source or DRUPAL_DATABASE_URL.',
    )
  }
  const sites = await findSites(conn, realNames)
  const columnsOf = new Map<string, string[]>()
  const fieldTables = [...realOf].filter(
    ([name]) => name.startsWith('field_data_') || name.startsWith('field_revision_'),
  )
  const drupalName = new Map(fieldTables.map(([name, real]) => [real, name]))
  if (fieldTables.length > 0) {
    for (const r of await rows(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      [fieldTables.map(([, real]) => real)],
    )) {
      const table = drupalName.get(String(r.t)) ?? String(r.t)
      const list = columnsOf.get(table) ?? []
      list.push(String(r.c))
      columnsOf.set(table, list)
    }
  }

  const nodeCounts = new Map<string, { nodes: number; published: number }>()
  for (const r of await rows(
    'SELECT type, COUNT(*) AS n, SUM(status = 1) AS p FROM {node} GROUP BY type ORDER BY type',
  )) {
    nodeCounts.set(String(r.type), { nodes: Number(r.n), published: Number(r.p ?? 0) })
  }
  const types = await readBundles(conn, tablePrefix)

  const config = new Map<
    string,
    {
      type: string
      module: string
      cardinality: number
      translatable: boolean
      vocabulary: string | null
      targetType: string | null
    }
  >()
  if (tables.has('field_config')) {
    for (const r of await rows(
      'SELECT field_name, type, module, cardinality, translatable, data FROM {field_config} WHERE deleted = 0',
    )) {
      const data = asPhpRecord(readPhpSerialized(r.data as Buffer))
      const allowed = asPhpRecord(asPhpRecord(data.settings).allowed_values)
      const first = asPhpRecord(allowed['0'])
      config.set(String(r.field_name), {
        type: String(r.type),
        module: String(r.module),
        cardinality: Number(r.cardinality),
        translatable: Number(r.translatable) === 1,
        vocabulary: typeof first.vocabulary === 'string' ? first.vocabulary : null,
        targetType: referenceTarget(String(r.type), asPhpRecord(data.settings).target_type),
      })
    }
  }
  const instances = new Map<string, { field: string; label: string | null }[]>()
  if (tables.has('field_config_instance')) {
    for (const r of await rows(
      "SELECT field_name, bundle, data FROM {field_config_instance} WHERE deleted = 0 AND entity_type = 'node' ORDER BY id",
    )) {
      const data = asPhpRecord(readPhpSerialized(r.data as Buffer))
      const list = instances.get(String(r.bundle)) ?? []
      list.push({ field: String(r.field_name), label: typeof data.label === 'string' ? data.label : null })
      instances.set(String(r.bundle), list)
    }
  }

  const bundleRows = async (table: string): Promise<Map<string, number>> => {
    const out = new Map<string, number>()
    if (!tables.has(table)) return out
    for (const r of await rows(
      `SELECT bundle, COUNT(*) AS n FROM ${tableRef(table)} WHERE entity_type = 'node' AND deleted = 0 GROUP BY bundle`,
    )) {
      out.set(String(r.bundle), Number(r.n))
    }
    return out
  }
  const counted = new Map<string, { data: Map<string, number>; revision: Map<string, number> }>()
  const countsFor = async (field: string) => {
    let c = counted.get(field)
    if (!c) {
      c = {
        data: await bundleRows(`field_data_${field}`),
        revision: await bundleRows(`field_revision_${field}`),
      }
      counted.set(field, c)
    }
    return c
  }

  const bundles: BundleInventory[] = []
  for (const { type, name, declared } of types) {
    const counts = nodeCounts.get(type) ?? { nodes: 0, published: 0 }
    const fields: FieldInventory[] = []
    for (const { field, label } of instances.get(type) ?? []) {
      const cfg = config.get(field)
      const real = columnsOf.get(`field_data_${field}`) ?? []
      const c = await countsFor(field)
      fields.push({
        name: field,
        label,
        type: cfg?.type ?? 'unknown',
        module: cfg?.module ?? 'unknown',
        cardinality: cfg?.cardinality ?? -1,
        translatable: cfg?.translatable ?? false,
        columns: real.filter((col) => col.startsWith(`${field}_`)).map((col) => col.slice(field.length + 1)),
        rows: c.data.get(type) ?? 0,
        revisionRows: c.revision.get(type) ?? 0,
        hasRevisionTable: tables.has(`field_revision_${field}`),
        vocabulary: cfg?.vocabulary ?? null,
        targetType: cfg?.targetType ?? null,
      })
    }
    const body = fields.find((f) => f.type === 'text_with_summary' && f.rows > 0)
    bundles.push({
      type,
      name,
      declared,
      nodes: counts.nodes,
      published: counts.published,
      unpublished: counts.nodes - counts.published,
      fields,
      bodies: body
        ? await sampleBodies(conn, type, body.name, { hasAliases: tables.has('url_alias') })
        : null,
    })
  }

  const vocabularies =
    tables.has('taxonomy_vocabulary') && tables.has('taxonomy_term_data')
      ? (
          await rows(
            `SELECT v.machine_name, v.name, COUNT(t.tid) AS n FROM {taxonomy_vocabulary} v
             LEFT JOIN {taxonomy_term_data} t ON t.vid = v.vid GROUP BY v.vid, v.machine_name, v.name ORDER BY v.machine_name`,
          )
        ).map((r) => ({ machineName: String(r.machine_name), name: String(r.name), terms: Number(r.n) }))
      : []

  const languages = (
    await rows('SELECT language, COUNT(*) AS n FROM {node} GROUP BY language ORDER BY n DESC, language')
  ).map((r) => ({ language: String(r.language), nodes: Number(r.n) }))
  const [tr] = await rows(
    'SELECT COUNT(DISTINCT tnid) AS sets, SUM(tnid <> 0 AND tnid <> nid) AS translated FROM {node} WHERE tnid <> 0',
  )

  const formatUses = new Map<string, number>()
  for (const [table, cols] of columnsOf) {
    if (!table.startsWith('field_data_')) continue
    const field = table.slice('field_data_'.length)
    if (!cols.includes(`${field}_format`)) continue
    for (const r of await rows(
      `SELECT ${quoteIdent(`${field}_format`)} AS f, COUNT(*) AS n FROM ${tableRef(table)}
       WHERE deleted = 0 AND ${quoteIdent(`${field}_format`)} IS NOT NULL GROUP BY f`,
    )) {
      formatUses.set(String(r.f), (formatUses.get(String(r.f)) ?? 0) + Number(r.n))
    }
  }
  const formatNames = new Map<string, string>()
  if (tables.has('filter_format')) {
    for (const r of await rows('SELECT format, name FROM {filter_format} ORDER BY weight, format')) {
      formatNames.set(String(r.format), String(r.name))
    }
  }
  const textFormats = [...new Set([...formatNames.keys(), ...formatUses.keys()])]
    .sort()
    .map((format) => ({ format, name: formatNames.get(format) ?? null, uses: formatUses.get(format) ?? 0 }))

  const system = new Map<string, { status: number; schema: number }>()
  if (tables.has('system')) {
    for (const r of await rows(
      "SELECT name, status, schema_version FROM {system} WHERE type = 'module' AND name IN (?)",
      [[...STORAGE_MODULES]],
    )) {
      system.set(String(r.name), { status: Number(r.status), schema: Number(r.schema_version) })
    }
  }
  const modules = STORAGE_MODULES.map((m) => {
    const s = system.get(m)
    return {
      name: m,
      present: s !== undefined,
      enabled: s?.status === 1,
      schemaVersion: s && s.schema >= 0 ? s.schema : null,
    }
  })

  let aliases = { rows: 0, nodesWithSeveral: 0 }
  if (tables.has('url_alias')) {
    const [a] = await rows(
      `SELECT COUNT(*) AS n, (SELECT COUNT(*) FROM (SELECT source FROM {url_alias} WHERE source LIKE 'node/%'
         GROUP BY source HAVING COUNT(*) > 1) s) AS several FROM {url_alias} WHERE source LIKE 'node/%'`,
    )
    aliases = { rows: Number(a?.n ?? 0), nodesWithSeveral: Number(a?.several ?? 0) }
  }

  const userFields: { name: string; type: string; columns: string[] }[] = []
  if (tables.has('field_config_instance')) {
    for (const r of await rows(
      "SELECT DISTINCT field_name FROM {field_config_instance} WHERE deleted = 0 AND entity_type = 'user' ORDER BY field_name",
    )) {
      const name = String(r.field_name)
      const real = columnsOf.get(`field_data_${name}`) ?? []
      userFields.push({
        name,
        type: config.get(name)?.type ?? 'unknown',
        columns: real.filter((col) => col.startsWith(`${name}_`)).map((col) => col.slice(name.length + 1)),
      })
    }
  }
  const [people] = tables.has('users')
    ? await rows(
        'SELECT (SELECT COUNT(*) FROM {users} WHERE uid > 0) AS users, COUNT(DISTINCT uid) AS authors FROM {node} WHERE uid > 0',
      )
    : []
  const menus = tables.has('menu_links')
    ? (
        await rows(
          `SELECT menu_name, COUNT(*) AS n, SUM(link_path REGEXP '^node/[0-9]+$') AS nodes FROM {menu_links}
           GROUP BY menu_name ORDER BY nodes DESC, menu_name`,
        )
      ).map((r) => ({ menu: String(r.menu_name), links: Number(r.n), nodeLinks: Number(r.nodes ?? 0) }))
    : []

  let metatag: SourceInventory['metatag'] = null
  if (tables.has('metatag') && tables.has('metatag_config')) {
    const [m] = await rows("SELECT COUNT(*) AS n FROM {metatag} WHERE entity_type = 'node'")
    const defaults = (await rows('SELECT instance FROM {metatag_config} ORDER BY instance')).map((r) =>
      String(r.instance),
    )
    metatag = { nodeRows: Number(m?.n ?? 0), defaults }
  }

  const blockTypes = await readBlockTypes(
    rows,
    tables,
    (table) => realOf.get(table) ?? table,
    (field) => {
      const real = columnsOf.get(`field_data_${field}`) ?? []
      return real.filter((col) => col.startsWith(`${field}_`)).map((col) => col.slice(field.length + 1))
    },
    (field) => config.get(field),
  )

  return {
    blockTypes,
    metatag,
    people: {
      users: Number(people?.users ?? 0),
      nodeAuthors: Number(people?.authors ?? 0),
      userFields,
    },
    menus,
    bundles,
    vocabularies,
    languages,
    translations: { sets: Number(tr?.sets ?? 0), translatedNodes: Number(tr?.translated ?? 0) },
    textFormats,
    modules,
    aliases,
    tablePrefix,
    sites,
  }
}

/** What a reference field points at, from its type and (entityreference) settings.target_type. */
function referenceTarget(type: string, targetType: unknown): string | null {
  if (type === 'node_reference') return 'node'
  if (type === 'user_reference') return 'user'
  if (type === 'taxonomy_term_reference') return 'taxonomy_term'
  if (type === 'entityreference') return typeof targetType === 'string' ? targetType : null
  return null
}

/**
 * The item types of the field_collection and paragraphs modules: from their item tables (items per
 * host field and type, archived ones) and field_config_instance (each type's own fields).
 */
async function readBlockTypes(
  rows: (sql: string, params?: unknown[]) => Promise<RowDataPacket[]>,
  tables: ReadonlySet<string>,
  realName: (table: string) => string,
  columnsOf: (field: string) => string[],
  configOf: (field: string) => { type: string; cardinality: number } | undefined,
): Promise<BlockTypeInventory[]> {
  const types = new Map<string, BlockTypeInventory & { hostFields: string[] }>()
  const typeOf = (entity: BlockTypeInventory['entity'], type: string) => {
    const key = `${entity}:${type}`
    const known = types.get(key)
    if (known) return known
    const made = { entity, type, items: 0, archived: 0, hostFields: [] as string[], fields: [] }
    types.set(key, made)
    return made
  }
  for (const entity of ['field_collection_item', 'paragraphs_item'] as const) {
    if (!tables.has(entity)) continue
    const columns = (
      await rows(
        'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
        [realName(entity)],
      )
    ).map((r) => String(r.c))
    const archived = columns.includes('archived') ? 'SUM(archived)' : '0'
    const bundle = entity === 'paragraphs_item' ? 'bundle' : 'field_name'
    for (const r of await rows(
      `SELECT field_name, ${bundle} AS type, COUNT(*) AS n, ${archived} AS archived FROM {${entity}}
       GROUP BY field_name, ${bundle} ORDER BY field_name, ${bundle}`,
    )) {
      const t = typeOf(entity, String(r.type))
      types.set(`${entity}:${t.type}`, {
        ...t,
        items: t.items + Number(r.n),
        archived: t.archived + Number(r.archived ?? 0),
        hostFields: [...t.hostFields, String(r.field_name)],
      })
    }
  }
  if (tables.has('field_config_instance') && types.size > 0) {
    for (const r of await rows(
      `SELECT field_name, entity_type, bundle FROM {field_config_instance}
       WHERE deleted = 0 AND entity_type IN ('field_collection_item', 'paragraphs_item') ORDER BY id`,
    )) {
      const t = typeOf(String(r.entity_type) as BlockTypeInventory['entity'], String(r.bundle))
      const name = String(r.field_name)
      const cfg = configOf(name)
      types.set(`${t.entity}:${t.type}`, {
        ...t,
        fields: [
          ...t.fields,
          {
            name,
            type: cfg?.type ?? 'unknown',
            cardinality: cfg?.cardinality ?? 1,
            columns: columnsOf(name),
          },
        ],
      })
    }
  }
  return [...types.values()]
}
