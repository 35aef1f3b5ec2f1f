import type { RowDataPacket } from 'mysql2/promise'
import { SourceSchemaError } from '../errors.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { nearest } from '../mapping/nearest.js'
import { fieldColumnName, NON_FIELD_SOURCES } from '../mapping/source-path.js'
import type { D7Block, D7DateField, D7MetatagData } from './d7-types.js'
import { refNeeds } from './entity-refs.js'
import { readMetatagDefaults } from './metatags.js'
import { asPhpRecord, readPhpSerialized } from './php-unserialize.js'
import type { SourceConnection } from './source-db.js'
import { findTablePrefixes, prefixedTable, siteTables, type TablePrefix } from './table-prefix.js'
import { isTimeZone } from './time-zone.js'

/** How one Drupal field is stored, as read from field_config and the table itself. */
export interface FieldLayout {
  readonly name: string
  readonly table: string
  readonly type: string
  readonly translatable: boolean
  readonly cardinality: number
  /** Short column names (`value`, `tid`…) → real column names (`field_x_value`). */
  readonly columns: Readonly<Record<string, string>>
  /** The column holding a taxonomy term id or a file id, to resolve in bulk. */
  readonly termColumn: string | null
  readonly fileColumn: string | null
}

export interface SourceLayout {
  readonly fields: Readonly<Record<string, FieldLayout>>
  readonly needsWorkflow: boolean
  readonly needsPublicationDate: boolean
  readonly needsAliases: boolean
  /**
   * Allowed values of the list fields read (list_text, list_integer, list_float, list_boolean):
   * field name → stored key → label, from the PHP-serialized field_config.data, read once per run.
   */
  readonly listLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>
  /** metatag_config (mapping key `seo`): instance → tags, read once per run. */
  readonly metatagDefaults?: Readonly<Record<string, D7MetatagData>>
  /** The date module's fields read: how each stores its values (field_config.data), read once per run. */
  readonly dateFields?: Readonly<Record<string, D7DateField>>
  /** With `blocks`: the item tables the host fields need, and whether they have `archived`. */
  readonly blockTables?: Readonly<Partial<Record<D7Block['entity'], { readonly archived: boolean }>>>
}

/** Field types that hold items (mapping key `blocks`), and the entity type of their items. */
export const BLOCK_FIELD_TYPES: Readonly<Record<string, D7Block['entity']>> = {
  field_collection: 'field_collection_item',
  paragraphs: 'paragraphs_item',
}

const DATE_TYPES = new Set(['datetime', 'datestamp', 'date'])
const TZ_HANDLING = new Set(['site', 'date', 'user', 'utc', 'none'])

const TERM_TYPES = new Set(['taxonomy_term_reference'])
const FILE_TYPES = new Set(['file', 'image'])

/** Every table name of the connection's database, as information_schema lists them. */
export async function listTables(conn: SourceConnection): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME',
  )
  return rows.map((r) => String(r.t))
}

/**
 * Check the live source against what the mapping needs, before the first batch: every table and
 * column must exist (with the nearest real names suggested when not). Only names that pass this
 * check ever reach SQL, quoted.
 */
export async function describeSource(
  conn: SourceConnection,
  mapping: CompiledMapping,
): Promise<SourceLayout> {
  const prefix = mapping.source.tablePrefix
  const realNames = await listTables(conn)
  // Drupal's names (node, field_data_body) of this site's tables → their real names (drupal_node…).
  const realOf = siteTables(realNames, prefix)
  const tables = new Set(realOf.keys())
  // Without a node table this is not a Drupal database at all (or Drupal's tables have a prefix):
  // one line saying so, not one per table the mapping names.
  if (!tables.has('node')) throw new SourceSchemaError([noNodeTable(realNames, prefix)])
  const problems: string[] = []
  const requireTable = (table: string, why: string) => {
    if (tables.has(table)) return true
    const hint = nearest(table, [...tables])
    problems.push(`table ${table} (${why}) does not exist${hint ? `; did you mean ${hint}?` : ''}`)
    return false
  }
  for (const t of ['node', 'node_revision']) requireTable(t, 'Drupal 7 core')
  if (mapping.source.translations === 'entity_translation')
    requireTable('entity_translation', 'source.translations: entity_translation')

  const kinds = new Set(mapping.sourcePaths.map((p) => p.kind))
  const needsWorkflow = kinds.has('workflow') && requireTable('workflow_node', 'workflow.*')
  const needsPublicationDate =
    kinds.has('publication_date') && requireTable('publication_date', 'publication_date.*')
  const needsAliases = kinds.has('alias') && requireTable('url_alias', 'alias.*')

  const fieldPrefix = mapping.source.fieldTables === 'revision' ? 'field_revision_' : 'field_data_'
  // A missing field table is a misspelled field in the mapping: suggest the field name to write there.
  const fieldsInSource = [...tables]
    .filter((t) => t.startsWith(fieldPrefix))
    .map((t) => t.slice(fieldPrefix.length))
  const wanted = mapping.fieldNames.filter((f) => {
    if (tables.has(`${fieldPrefix}${f}`)) return true
    if (fieldPrefix === 'field_revision_' && tables.has(`field_data_${f}`)) {
      // A dump that left the (big) revision tables out: the current values are still there.
      problems.push(
        `field ${f}: no table field_revision_${f} in the source, but field_data_${f} exists ` +
          '(a dump without revision tables?); set source.fieldTables: data to read the current values from field_data_*',
      )
      return false
    }
    const hint = nearest(f, fieldsInSource)
    // Any name that is not node/workflow/publication_date/alias is read as a field: `nodes.title` too.
    const source = hint ? null : nearest(f, NON_FIELD_SOURCES)
    problems.push(
      `field ${f}: no table ${fieldPrefix}${f} in the source` +
        (hint
          ? `; did you mean ${hint}?`
          : source
            ? `; did you mean ${source}.*?`
            : `; "dhm inspect" lists the fields of each bundle`),
    )
    return false
  })
  const columnsByTable = new Map<string, string[]>()
  if (wanted.length > 0) {
    const [colRows] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY ORDINAL_POSITION`,
      [wanted.map((f) => realOf.get(`${fieldPrefix}${f}`) ?? `${fieldPrefix}${f}`)],
    )
    const drupalName = new Map([...realOf].map(([name, real]) => [real, name]))
    for (const r of colRows) {
      const table = drupalName.get(String(r.t)) ?? String(r.t)
      const list = columnsByTable.get(table) ?? []
      list.push(String(r.c))
      columnsByTable.set(table, list)
    }
  }
  const config = new Map<string, { type: string; translatable: boolean; cardinality: number }>()
  const listLabels: Record<string, Record<string, string>> = {}
  const dateData = new Map<string, RowDataPacket>()
  if (wanted.length > 0 && tables.has('field_config')) {
    const [cfg] = await conn.query<RowDataPacket[]>(
      'SELECT field_name, type, translatable, cardinality, data FROM {field_config} WHERE deleted = 0 AND field_name IN (?)',
      [wanted],
    )
    for (const r of cfg) {
      config.set(String(r.field_name), {
        type: String(r.type),
        translatable: Number(r.translatable) === 1,
        cardinality: Number(r.cardinality),
      })
      if (String(r.type).startsWith('list_')) {
        const labels = allowedValues(r.data)
        if (labels) listLabels[String(r.field_name)] = labels
      }
      if (DATE_TYPES.has(String(r.type))) dateData.set(String(r.field_name), r)
    }
  }
  const dateFields: Record<string, D7DateField> = {}
  if (dateData.size > 0) {
    const siteTimeZone = tables.has('variable') ? await readSiteTimeZone(conn) : 'UTC'
    for (const [name, r] of dateData) dateFields[name] = dateSettings(String(r.type), r.data, siteTimeZone)
  }

  const fields: Record<string, FieldLayout> = {}
  for (const name of wanted) {
    const table = `${fieldPrefix}${name}`
    const real = columnsByTable.get(table) ?? []
    const columns: Record<string, string> = {}
    for (const c of real) if (c.startsWith(`${name}_`)) columns[c.slice(name.length + 1)] = c
    for (const p of mapping.sourcePaths) {
      if (p.kind !== 'field' || p.field !== name || p.column === null || p.column in columns) continue
      const hint = nearest(p.column, Object.keys(columns))
      problems.push(
        `${table} has no column ${fieldColumnName(name, p.column)} (for ${name}.${p.column})` +
          (hint
            ? `; did you mean ${name}.${hint}?`
            : `; it has ${Object.keys(columns).join(', ') || 'no value columns'}`),
      )
    }
    const cfg = config.get(name)
    const type = cfg?.type ?? 'unknown'
    fields[name] = {
      name,
      table,
      type,
      translatable: cfg?.translatable ?? false,
      cardinality: cfg?.cardinality ?? -1,
      columns,
      termColumn: TERM_TYPES.has(type) || (!cfg && 'tid' in columns) ? 'tid' : null,
      fileColumn: FILE_TYPES.has(type) || (!cfg && 'fid' in columns) ? 'fid' : null,
    }
  }
  if (Object.values(fields).some((f) => f.termColumn)) {
    requireTable('taxonomy_term_data', 'term references')
    requireTable('taxonomy_vocabulary', 'term references')
  }
  if (Object.values(fields).some((f) => f.fileColumn)) requireTable('file_managed', 'file and image fields')
  const refs = refNeeds(mapping)
  if (refs.nodePaths.length > 0) requireTable('url_alias', 'node-ref (slugs of referenced nodes)')
  if (refs.userPaths.length > 0) requireTable('users', 'user-ref')
  const { authors, menus } = mapping.relations
  if (authors) requireTable('users', 'authorRecords')
  if (authors?.displayName)
    requireTable(`field_data_${authors.displayName.field}`, 'authorRecords.displayName (a field of users)')
  if (menus.length > 0) requireTable('menu_links', 'menus')
  let metatagDefaults: Record<string, D7MetatagData> | undefined
  if (mapping.relations.seo && requireTable('metatag', 'seo') && requireTable('metatag_config', 'seo')) {
    metatagDefaults = await readMetatagDefaults(
      async (sql, params) => (await conn.query<RowDataPacket[]>(sql, params))[0],
    )
  }
  let blockTables: Partial<Record<D7Block['entity'], { archived: boolean }>> | undefined
  if (mapping.blocks) {
    blockTables = {}
    for (const host of mapping.blocks.hosts) {
      const type = fields[host]?.type ?? 'unknown'
      const entity = BLOCK_FIELD_TYPES[type]
      if (!fields[host]) continue
      if (!entity) {
        problems.push(
          `blocks.fields: ${host} is a ${type} field, not a field_collection or paragraphs field; name the fields that hold items`,
        )
        continue
      }
      if (blockTables[entity] || !requireTable(entity, `blocks: ${host}`)) continue
      requireTable(`${entity}_revision`, `blocks: ${host}`)
      const [cols] = await conn.query<RowDataPacket[]>(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
        [realOf.get(entity) ?? entity],
      )
      blockTables[entity] = { archived: cols.some((c) => String(c.c) === 'archived') }
    }
  }
  if (problems.length > 0) throw new SourceSchemaError(problems)
  return {
    ...(blockTables ? { blockTables } : {}),
    fields,
    needsWorkflow,
    needsPublicationDate,
    needsAliases,
    listLabels,
    ...(metatagDefaults ? { metatagDefaults } : {}),
    ...(Object.keys(dateFields).length > 0 ? { dateFields } : {}),
  }
}

/** The one line for a database without this site's node table, naming the prefixes it does hold. */
export function noNodeTable(realNames: readonly string[], prefix: TablePrefix | undefined): string {
  const found = findTablePrefixes(realNames)
  const sites = found.map((p) => (p === '' ? '(no prefix)' : p)).join(', ')
  if (prefix !== undefined && prefixedTable(prefix, 'node') !== 'node') {
    return (
      `no ${prefixedTable(prefix, 'node')} table (source.tablePrefix) among its ${realNames.length} table(s)` +
      (found.length > 0
        ? `; the Drupal 7 sites it holds have the prefixes ${sites}`
        : ': this is not a Drupal 7 database')
    )
  }
  return found.length > 0
    ? `no node table, but Drupal 7 tables with a prefix: ${sites}; set source.tablePrefix in the mapping ("dhm inspect" lists each site)`
    : `no node table among its ${realNames.length} table(s): this is not a Drupal 7 database`
}

/**
 * The site's time zone: variable `date_default_timezone` (PHP-serialized, `s:13:"Europe/Berlin";`).
 * A site that never set it ran on PHP's default, which Drupal 7 installs as UTC.
 */
export async function readSiteTimeZone(conn: SourceConnection): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>(
    "SELECT value FROM {variable} WHERE name = 'date_default_timezone'",
  )
  const value = readPhpSerialized(rows[0]?.value as Buffer | string | undefined)
  return typeof value === 'string' && isTimeZone(value) ? value : 'UTC'
}

/**
 * A date field's storage from field_config.data's settings. Missing settings take the date
 * module's defaults (tz_handling site, granularity year to minute, no end date).
 */
export function dateSettings(type: string, data: unknown, siteTimeZone: string): D7DateField {
  const text = typeof data === 'string' || Buffer.isBuffer(data) ? data : null
  const settings = asPhpRecord(asPhpRecord(readPhpSerialized(text)).settings)
  const tz = String(settings.tz_handling ?? 'site')
  const parts = settings.granularity
  const granularity =
    parts !== null && typeof parts === 'object'
      ? Object.entries(asPhpRecord(parts))
          .filter(([, on]) => on !== 0 && on !== '0' && on !== '' && on !== null && on !== false)
          .map(([part]) => part)
      : ['year', 'month', 'day', 'hour', 'minute']
  return {
    type: type as D7DateField['type'],
    tzHandling: (TZ_HANDLING.has(tz) ? tz : 'site') as D7DateField['tzHandling'],
    granularity,
    todate: typeof settings.todate === 'string' ? settings.todate : '',
    siteTimeZone,
  }
}

/** `settings.allowed_values` of a list field's field_config.data (key → label), or null. */
export function allowedValues(data: unknown): Record<string, string> | null {
  const text = typeof data === 'string' || Buffer.isBuffer(data) ? data : null
  const settings = asPhpRecord(asPhpRecord(readPhpSerialized(text)).settings)
  const allowed = settings.allowed_values
  if (allowed === null || typeof allowed !== 'object') return null
  const out: Record<string, string> = {}
  for (const [key, label] of Object.entries(asPhpRecord(allowed))) {
    if (label === null || typeof label === 'object') continue
    out[key] = String(label)
  }
  return out
}
