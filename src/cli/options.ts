import { resolveMappingFile } from '../config/connections.js'
import { ConfigError } from '../errors.js'
import { DEFAULT_BATCH_SIZE } from '../extract/extract-nodes.js'
import { DEFAULT_MAPPING_FILE } from '../mapping/load-mapping.js'

/** Flags several commands share, defined once so their names, defaults and help stay identical. */
export const MAPPING_OPTION = {
  type: 'string',
  describe: `Mapping file (mappings/<site>.yaml); default: $DHM_MAPPING, else ${DEFAULT_MAPPING_FILE}`,
} as const

/**
 * The mapping file a command uses (--mapping, DHM_MAPPING, else the default). When neither names
 * one, stderr says which file that is, unless --quiet: a cron job pointed at another site's
 * databases would otherwise migrate them under the default mapping's site without a word.
 */
export function mappingFileOf(args: { mapping?: string | undefined; quiet?: boolean | undefined }): string {
  // `--mapping` with nothing after it (or `--mapping "$UNSET_VAR"`) parses as ''; falling back to
  // the default mapping then would read the site with another site's mapping.
  if (args.mapping === '')
    throw new ConfigError('--mapping needs a file, e.g. --mapping mappings/mysite.yaml')
  const { file, implicit } = resolveMappingFile(args.mapping)
  if (implicit && !args.quiet) {
    process.stderr.write(`dhm: using ${file} (no --mapping given and DHM_MAPPING is not set)\n`)
  }
  return file
}

export const BATCH_SIZE_OPTION = {
  type: 'number',
  default: DEFAULT_BATCH_SIZE,
  describe: 'Nodes per batch (one target transaction each)',
} as const

export const IDS_OPTION = { type: 'string', describe: 'Only these node ids, comma-separated' } as const

export const QUIET_OPTION = {
  type: 'boolean',
  default: false,
  describe: 'No progress output (cron)',
} as const

export function jsonOption(describe = 'Print the summary as one JSON object on stdout') {
  return { type: 'boolean', default: false, describe } as const
}

export function reportsDirOption(describe = 'Where run reports are written') {
  return { type: 'string', default: 'reports', describe } as const
}

/** A usage error unless `value` is a whole number ≥ `min`. */
export function requireInteger(flag: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`--${flag} must be a whole number${min === 1 ? ' of 1 or more' : ` ≥ ${min}`}`)
  }
}

/** The largest nid there can be: node.nid is an unsigned int in Drupal 7, an int (32 bits) in the target. */
export const MAX_NID = 2_147_483_647

/** "1,2, 3" → [1, 2, 3]; anything but positive 32-bit integers is a usage error. */
export function parseIds(text: string): number[] {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  // Compared as text first: Number('99999999999999999999') rounds, and would be echoed rounded.
  const bad = ids.filter((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_NID)
  if (ids.length === 0 || bad.length > 0) {
    throw new ConfigError(
      `--ids must be node ids (whole numbers from 1 to ${MAX_NID}) separated by commas, e.g. --ids 12,15; ` +
        `not: ${bad.join(', ') || '(empty)'}`,
    )
  }
  return ids.map(Number)
}

/** The note a run given --ids prints when not one of them is a node the mapping selects. */
export function renderNoIdsMatched(ids: readonly number[], bundles: readonly string[]): string {
  return (
    `note: none of the given --ids (${ids.join(', ')}) is a node the mapping selects ` +
    `(type ${bundles.join(', ')}); nothing was read.`
  )
}

/** `--fast-path` (default) / `--no-fast-path` of migrate, sync and verify (pipeline/skip-unchanged.ts). */
export const FAST_PATH_OPTION = {
  type: 'boolean',
  default: true,
  describe:
    'Skip the transform of articles whose source rows and target rows are as dhm last wrote them (fingerprints); --no-fast-path transforms and compares every one',
} as const
