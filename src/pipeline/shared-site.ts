import pg from 'pg'
import { databaseName } from '../config/connections.js'
import { TargetNotDhmError } from '../errors.js'
import {
  findRunOfAnotherMapping,
  mappingParams,
  type OtherMappingRun,
  type RunMapping,
} from '../load/run-log.js'
import { assertSchemaIsDhms } from '../load/schema-migrations.js'
import { explainTargetError, withSessionSettings } from '../load/target-db.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { formatUtc } from '../report/run-report.js'

/** Another mapping file has written this mapping's site on the target (see {@link findSharedSite}). */
interface SharedSite {
  readonly site: string
  /** The target database's name (never its URL: no credentials in a warning). */
  readonly database: string
  readonly current: RunMapping
  readonly other: OtherMappingRun
}

/** How long the look-up may wait for the target: `dhm check` must not hang on an unreachable one. */
const LOOKUP_TIMEOUT_MS = 5000

/**
 * Before `dhm migrate` (real or dry) and `dhm check`: has another mapping file written this
 * mapping's site on the target, as migration_run records it? Articles are keyed by site and nid, so
 * two mappings of one site write into each other's articles (same bundles) or mix theirs under one
 * site. Read only; null when no other mapping ran, or the target database does not exist yet.
 * Throws a TargetError when the target cannot be read.
 */
async function findSharedSite(
  targetUrl: string,
  mapping: CompiledMapping,
  mappingFile: string,
): Promise<SharedSite | null> {
  const recorded = await mappingParams(mappingFile, mapping.source.bundles)
  const current: RunMapping = {
    file: recorded.mapping,
    hash: recorded.mappingHash,
    bundles: recorded.bundles,
  }
  return lookUpTarget(targetUrl, async (client) => {
    const other = await findRunOfAnotherMapping(client, mapping.site, current)
    return other ? { site: mapping.site, database: databaseName(targetUrl), current, other } : null
  })
}

/**
 * One short read-only look at the target (connection and statements time out after
 * LOOKUP_TIMEOUT_MS). Null when the target database does not exist yet (a real migrate creates it);
 * any other failure is thrown as the one-line TargetError (or TargetNotDhmError) migrate would print.
 */
async function lookUpTarget<T>(
  targetUrl: string,
  look: (client: pg.Client) => Promise<T>,
): Promise<T | null> {
  const client = new pg.Client({
    ...withSessionSettings(targetUrl, { statement_timeout: String(LOOKUP_TIMEOUT_MS) }),
    connectionTimeoutMillis: LOOKUP_TIMEOUT_MS,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    return await look(client)
  } catch (cause) {
    if ((cause as { code?: string }).code === '3D000') return null
    throw explainTargetError(cause, targetUrl)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * For `dhm check`: the refusal `dhm migrate` would stop at because of the target itself, a database
 * holding tables dhm did not create (P3005), as the same one line; null when migrate could go on. A
 * target that cannot be reached is not reported here (warnIfSiteShared notes it).
 */
export async function findTargetRefusal(targetUrl: string): Promise<string | null> {
  try {
    await lookUpTarget(targetUrl, assertSchemaIsDhms)
    return null
  } catch (error) {
    // Unreachable or refused: warnIfSiteShared's note says so; check is about what migrate would refuse.
    return error instanceof TargetNotDhmError ? error.message : null
  }
}

/**
 * Before `dhm migrate`, `dhm sync` and `dhm check`: print the shared-site warning on stderr when
 * another mapping file has written this mapping's site (exit code unchanged). A target whose run log
 * cannot be read: `check` says so in one note (it is about the mapping and the source); migrate and
 * sync say nothing here, as the run itself explains a target it cannot reach.
 */
export async function warnIfSiteShared(
  targetUrl: string,
  mapping: CompiledMapping,
  mappingFile: string,
  unreadable: 'note' | 'ignore',
): Promise<void> {
  try {
    const shared = await findSharedSite(targetUrl, mapping, mappingFile)
    if (shared) process.stderr.write(renderSharedSiteWarning(shared))
  } catch (error) {
    if (unreadable === 'ignore') return
    process.stderr.write(
      `dhm: note: not checked whether another mapping writes site ${mapping.site}: ${(error as Error).message}\n`,
    )
  }
}

/** The warning `dhm migrate`, `dhm sync` and `dhm check` print on stderr (exit code unchanged). */
function renderSharedSiteWarning(shared: SharedSite): string {
  const { site, other, current } = shared
  const when = `${formatUtc(other.startedAt)} UTC`
  return [
    `dhm: warning: another mapping writes site ${site} on the target ${shared.database}: ` +
      `${describeMapping(other.mapping)} last ran there on ${when} (${other.command} run ${other.id}, ${other.status}).`,
    `  This mapping is ${describeMapping(current)}. ${consequence(site, current.bundles, other.mapping.bundles)}`,
    `  Give each mapping its own site (the site: key of one of the two files), or, if sharing site ${site} is ` +
      'intended (one file replaced the other, or both are meant to fill one site), carry on: this is only a warning.',
    '',
  ].join('\n')
}

function describeMapping(m: RunMapping): string {
  const facts = [
    ...(m.hash ? [`fingerprint sha256:${m.hash.slice(0, 12)}`] : []),
    ...(m.bundles ? [`bundles ${m.bundles.join(', ')}`] : []),
  ]
  return `${m.file ?? 'an unrecorded file'}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}`
}

function consequence(site: string, mine: readonly string[] | null, theirs: readonly string[] | null): string {
  const overwrite =
    'each run overwrites the articles the other one wrote (articles are keyed by site and nid)'
  const mix =
    `their articles mix under site ${site}: dhm export and status show both, and a sync of one ` +
    'makes the next sync of the other read everything (the high-water mark is per site)'
  if (mine === null || theirs === null)
    return `If both read the same bundles, ${overwrite}; otherwise ${mix}.`
  const common = mine.filter((b) => theirs.includes(b))
  if (common.length === 0) return `${capitalize(mix)}.`
  return `Both read bundle${common.length > 1 ? 's' : ''} ${common.join(', ')}: ${overwrite}.`
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
