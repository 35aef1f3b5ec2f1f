import pg from 'pg'

/** A manifest row (`stored_file`) as `dhm files` needs it to decide what is left to copy. */
export interface ManifestEntry {
  readonly uri: string
  readonly storedKey: string | null
  readonly status: string
  readonly sha256: string | null
  readonly size: number | null
}

/** What one file became in this run; written as the file's manifest row. */
export interface ManifestWrite {
  readonly uri: string
  readonly fid: number | null
  readonly originalName: string
  readonly scheme: string
  readonly storedKey: string | null
  readonly publicUrl: string | null
  readonly status: 'pending' | 'copied' | 'missing' | 'failed' | 'listed'
  readonly mime: string | null
  readonly sha256?: string | null
  readonly size?: number | null
  readonly width?: number | null
  readonly height?: number | null
  readonly error?: string | null
}

/** Every manifest row of a site, by uri (empty when the target predates the manifest). */
export async function readManifest(pool: pg.Pool, site: string): Promise<Map<string, ManifestEntry>> {
  const { rows: table } = await pool.query<{ ok: boolean }>(
    "SELECT to_regclass('stored_file') IS NOT NULL AS ok",
  )
  const out = new Map<string, ManifestEntry>()
  if (!table[0]?.ok) return out
  const { rows } = await pool.query<{
    uri: string
    stored_key: string | null
    status: string
    sha256: string | null
    size: string | null
  }>('SELECT uri, stored_key, status, sha256, size FROM stored_file WHERE site = $1', [site])
  for (const r of rows) {
    out.set(r.uri, {
      uri: r.uri,
      storedKey: r.stored_key,
      status: r.status,
      sha256: r.sha256,
      size: r.size === null ? null : Number(r.size),
    })
  }
  return out
}

const UPSERT = `
INSERT INTO stored_file (site, uri, legacy_fid, original_name, scheme, stored_key, public_url, status,
  mime, sha256, size, width, height, error, run_id, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, now())
ON CONFLICT (site, uri) DO UPDATE SET legacy_fid = excluded.legacy_fid,
  original_name = excluded.original_name, scheme = excluded.scheme, stored_key = excluded.stored_key,
  public_url = excluded.public_url, status = excluded.status, mime = excluded.mime,
  sha256 = COALESCE(excluded.sha256, CASE WHEN excluded.status = 'pending' THEN NULL ELSE stored_file.sha256 END),
  size = COALESCE(excluded.size, CASE WHEN excluded.status = 'pending' THEN NULL ELSE stored_file.size END),
  width = COALESCE(excluded.width, stored_file.width), height = COALESCE(excluded.height, stored_file.height),
  error = excluded.error, run_id = excluded.run_id, updated_at = now()`

/**
 * Write one file's manifest row. A file is written `pending` before its copy starts and `copied`
 * only after the stored object was checked, so a killed run never leaves a partial file marked done.
 */
export async function writeManifest(
  pool: pg.Pool,
  site: string,
  runId: number | null,
  w: ManifestWrite,
): Promise<void> {
  await pool.query(UPSERT, [
    site,
    w.uri,
    w.fid,
    w.originalName,
    w.scheme,
    w.storedKey,
    w.publicUrl,
    w.status,
    w.mime,
    w.sha256 ?? null,
    w.size ?? null,
    w.width ?? null,
    w.height ?? null,
    w.error ?? null,
    runId,
  ])
}

/**
 * What `dhm sync` says when it changed articles of a site whose files `dhm files` copies: the
 * command that copies the new files (the last files run's --from and --to), or null when the site
 * has no manifest yet or nothing changed. Sync does not copy files itself.
 */
export async function filesNoteAfterSync(
  targetUrl: string,
  site: string,
  mappingFile: string,
  changedArticles: number,
): Promise<string | null> {
  if (changedArticles === 0) return null
  const client = new pg.Client({ connectionString: targetUrl })
  await client.connect()
  const { rows } = await client
    .query<{ from: string | null; to: string | null }>(
      `SELECT r.params->>'from' AS from, r.params->>'to' AS to FROM migration_run r
     WHERE r.site = $1 AND r.command = 'files' AND to_regclass('stored_file') IS NOT NULL
     ORDER BY r.id DESC LIMIT 1`,
      [site],
    )
    .finally(() => client.end())
  const last = rows[0]
  if (!last) return null
  return (
    `dhm: ${changedArticles} article(s) changed; copy their new files with ` +
    `dhm files --mapping ${mappingFile} --from ${last.from} --to ${last.to} (files already stored are skipped)`
  )
}
