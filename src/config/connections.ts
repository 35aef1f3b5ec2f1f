import { existsSync } from 'node:fs'
import { ConfigError } from '../errors.js'
import { registerSecret, secretsOfUrl } from './redact.js'

/** Where the legacy site lives when nothing says otherwise: the local MariaDB, database `drupal`. */

/** The mapping file used when neither --mapping nor $DHM_MAPPING names one. */
export const DEFAULT_MAPPING_FILE = 'mappings/bne.yaml'

const PLAIN_DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/

/** Whether `database` is a plain identifier (letters, digits and _): safe in DDL, and what the fixture generator takes. */
export function isPlainDatabaseName(database: string): boolean {
  return PLAIN_DATABASE_NAME.test(database)
}

export const DEFAULT_SOURCE_URL = 'mysql://root@127.0.0.1:3306/drupal'
/** The local Postgres, database `dhm`; created on first use if missing. */
export const DEFAULT_TARGET_URL = 'postgresql://postgres@127.0.0.1:5432/dhm'

export interface Connections {
  readonly sourceUrl: string
  readonly targetUrl: string
}

/**
 * Resolve connection URLs: flag, then environment (DRUPAL_DATABASE_URL / DATABASE_URL, with `.env`
 * in the working directory read if present), then the local defaults.
 */
export function resolveConnections(flags: { source?: string; target?: string }): Connections {
  loadDotEnv()
  const sourceUrl = flags.source ?? process.env.DRUPAL_DATABASE_URL ?? DEFAULT_SOURCE_URL
  const targetUrl = flags.target ?? process.env.DATABASE_URL ?? DEFAULT_TARGET_URL
  checkUrl(sourceUrl, ['mysql:', 'mariadb:'], '--source / DRUPAL_DATABASE_URL')
  checkUrl(targetUrl, ['postgres:', 'postgresql:'], '--target / DATABASE_URL')
  return { sourceUrl, targetUrl }
}

/**
 * The mapping file: --mapping, then DHM_MAPPING (environment or `.env`), then mappings/bne.yaml.
 * `implicit` is true when neither named one, so commands can say which file they fell back to.
 */
export function resolveMappingFile(flag: string | undefined): { file: string; implicit: boolean } {
  loadDotEnv()
  if (flag !== undefined && flag !== '') return { file: flag, implicit: false }
  const fromEnv = process.env.DHM_MAPPING
  if (fromEnv !== undefined && fromEnv !== '') return { file: fromEnv, implicit: false }
  return { file: DEFAULT_MAPPING_FILE, implicit: true }
}

let dotEnvLoaded = false
function loadDotEnv(): void {
  if (dotEnvLoaded) return
  dotEnvLoaded = true
  if (existsSync('.env')) process.loadEnvFile('.env')
}

function checkUrl(url: string, protocols: readonly string[], what: string): void {
  // Checked before parsing, which would take the rest of such a password for a port, a path or a
  // fragment (and say "not a URL" or "names no database"). The message never shows the URL.
  if (hasReservedInCredentials(url)) {
    throw new ConfigError(
      `${what}: its user name or password holds a character that URLs reserve (#, ? or /). ` +
        'Percent-encode it: # as %23, ? as %3F, / as %2F (encodeURIComponent does it).',
    )
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError(
      `${what} is not a URL. Expected e.g. ${protocols[0]}//user:password@host:port/database`,
    )
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${what} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`)
  }
  if (parsed.pathname.replace(/^\//, '') === '') {
    throw new ConfigError(`${what} names no database. Add it to the URL: ${protocols[0]}//host/DATABASE`)
  }
  try {
    decodeURIComponent(parsed.password)
  } catch {
    throw new ConfigError(`${what}: its password holds a % not followed by two hex digits. Write % as %25.`)
  }
  // The user-info password and secret query parameters (?password=…, sslpassword, …).
  for (const secret of secretsOfUrl(url)) registerSecret(secret)
}

/**
 * `user:pa#ss@host/db`: a password (or user name) with #, ? or / left unencoded. Only URLs of that
 * exact shape match (user, colon, anything up to an @ followed by a host and /database), so a
 * query string holding an @ (`?user=me@corp`) is not mistaken for one.
 */
export function hasReservedInCredentials(url: string): boolean {
  const credentials = /^[a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:(.*)@[^@/?#]+\/[^@]*$/is.exec(url)?.[1]
  return credentials !== undefined && /[/?#]/.test(credentials)
}

/** The database name in a connection URL. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''))
}

/** The same URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${encodeURIComponent(database)}`
  return u.toString()
}
