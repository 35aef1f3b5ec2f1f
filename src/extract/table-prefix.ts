import { InternalError } from '../errors.js'
import { TABLE_PREFIX_PATTERN, type TablePrefix } from '../mapping/schema.js'

/*
 * Drupal 7's `$databases[…]['prefix']`, as a mapping's `source.tablePrefix` gives it: one string
 * for every table (`drupal_` → `drupal_node`), or per table (`{ default: site2_, users: shared_ }`,
 * the array form of settings.php). Prefixes are plain identifier characters: settings.php's
 * cross-database form (`'users' => 'shared_db.'`) is not supported, since every table must be in
 * the database the URL names (information_schema is read with `TABLE_SCHEMA = DATABASE()`).
 */
export type { TablePrefix }

const TABLE_NAME = /^[A-Za-z0-9_]+$/
const BRACED = /\{([A-Za-z0-9_]+)\}/g

/** The prefix of one table under `prefix`. */
function prefixOf(prefix: TablePrefix | undefined, table: string): string {
  if (prefix === undefined) return ''
  if (typeof prefix === 'string') return prefix
  return prefix[table] ?? prefix.default ?? ''
}

/** The real name of Drupal's table `table` (`node` → `drupal_node`). */
export function prefixedTable(prefix: TablePrefix | undefined, table: string): string {
  return `${prefixOf(prefix, table)}${table}`
}

/**
 * Qualify the table names of a source query, Drupal's way: every table is written in braces
 * (`SELECT nid FROM {node} n JOIN {url_alias} a …`) and becomes its real, quoted name
 * (`` `drupal_node` ``). The source pool applies it to every query (see createSourcePool), so no
 * command can read an unprefixed table by forgetting it.
 */
export function prefixTables(sql: string, prefix: TablePrefix | undefined): string {
  return sql.replace(BRACED, (_, table: string) => `\`${prefixedTable(prefix, table)}\``)
}

/**
 * A table name for a query built at run time (a field's table): `{field_data_body}`. Names come
 * from information_schema or field_config, which Drupal limits to identifier characters.
 */
export function tableRef(table: string): string {
  if (!TABLE_NAME.test(table)) throw new InternalError(`not a Drupal table name: ${JSON.stringify(table)}`)
  return `{${table}}`
}

/**
 * Drupal's names of the site's tables among the database's real ones: `drupal_node` → `node`
 * under prefix `drupal_`; tables of other prefixes (other sites) are left out.
 * Returns Drupal name → real name.
 */
export function siteTables(
  realNames: Iterable<string>,
  prefix: TablePrefix | undefined,
): Map<string, string> {
  const real = new Set(realNames)
  const out = new Map<string, string>()
  const overrides = typeof prefix === 'object' ? Object.keys(prefix).filter((k) => k !== 'default') : []
  for (const t of overrides) {
    const name = prefixedTable(prefix, t)
    if (real.has(name)) out.set(t, name)
  }
  const base = prefixOf(prefix, '\0default')
  for (const name of real) {
    if (!name.startsWith(base)) continue
    const table = name.slice(base.length)
    if (table === '' || overrides.includes(table) || out.has(table)) continue
    out.set(table, name)
  }
  return out
}

/** Tables every Drupal 7 site has: a prefix is a site's when all of these exist under it. */
const SITE_MARKERS = ['node', 'node_revision', 'field_config', 'system'] as const

/**
 * The table prefixes of the Drupal 7 sites a database holds: every `<p>node` with
 * `<p>node_revision`, `<p>field_config` and `<p>system` next to it ('' for an unprefixed site), so
 * `site2_node_revision` alone does not make a site `site2_node_`. Sorted, unprefixed first.
 */
export function findTablePrefixes(realNames: Iterable<string>): string[] {
  const real = new Set(realNames)
  const out: string[] = []
  for (const name of real) {
    if (!name.endsWith('node')) continue
    const p = name.slice(0, -'node'.length)
    if (!TABLE_PREFIX_PATTERN.test(p)) continue
    if (SITE_MARKERS.every((t) => real.has(`${p}${t}`))) out.push(p)
  }
  return out.sort()
}
