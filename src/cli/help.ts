/** Printed under every command's --help: the exit codes and where connections come from. */
export const EPILOG = `Exit codes (shared by every command):
  0  clean run
  1  error (database unreachable, query failed, interrupted)
  2  bad usage or configuration (flags, mapping file, source schema, a target that is not dhm's)
  3  finished, but some rows were rejected (see reports/<run>/rejects.ndjson)
  4  verify: differences found between source and target
  5  sync: another sync is already running against this target

Connections: --source / DRUPAL_DATABASE_URL (MySQL/MariaDB, read only) and --target / DATABASE_URL
(Postgres); the mapping file: --mapping / DHM_MAPPING (else mappings/bne.yaml). A .env file in the
working directory is read if present.`

/**
 * yargs names an unknown flag twice, as given and camel-cased ("Unknown arguments: dry-run, dryRun");
 * keep the spelling the user typed.
 */
export function withoutCamelCaseTwins(message: string): string {
  const m = /^(Unknown arguments?): (.*)$/s.exec(message)
  if (!m) return message
  const names = (m[2] ?? '').split(', ')
  const kept = names.filter(
    (n) => !/[A-Z]/.test(n) || !names.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)),
  )
  return `${kept.length === 1 ? 'Unknown argument' : 'Unknown arguments'}: ${kept.join(', ')}`
}
