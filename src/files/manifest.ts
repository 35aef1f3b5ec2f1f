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
 * What an article references that `dhm files` copies, as one jsonb value to compare before and
 * after a write: its image and pdf files, its media, and its source body when that can link a file
 * (a files path, a stream wrapper, a pasted image), as the inventory reads them.
 */
const fileRefsSql = (document: string, body: string) =>
  `jsonb_build_array(${document}->'image'->'file', ${document}->'pdf'->'file',
    COALESCE(${document}->'media', '[]'::jsonb),
    (SELECT b FROM (SELECT COALESCE(${document}->>'bodyOriginal', ${body}) AS b) source_body
     WHERE b ~ '/files/|(public|private)://|data:image/'))`

/**
 * Articles run `runId` wrote whose files may have changed: inserted with a file reference, or
 * updated with other file references than before (a new image, pdf, media, a body that links
 * another file, a file replaced under its fid). The run's undo log (run_change) holds each row as it
 * was before the run. A term, alias or user change rewrites articles but not these.
 */
const ARTICLES_WITH_NEW_FILES = `
SELECT COUNT(*)::int AS n FROM run_change c
JOIN article a ON a.id::text = c.row_key AND a.site = $2 AND a.deleted_at IS NULL
CROSS JOIN LATERAL (SELECT ${fileRefsSql('a.document', 'a.body')} AS refs) now
CROSS JOIN LATERAL (SELECT ${fileRefsSql("(c.before->'document')", "(c.before->>'body')")} AS refs) was
WHERE c.run_id = $1 AND c.table_name = 'article'
  AND now.refs IS DISTINCT FROM was.refs`

/**
 * What `dhm sync` (run `runId`) says when it wrote articles whose files may have changed (see
 * ARTICLES_WITH_NEW_FILES), for a site whose files `dhm files` copies: the command that copies the
 * new files (the last files run's --from and --to). Null when the site has no files run yet or no
 * article's files changed (only terms, aliases, users…). Sync does not copy files itself.
 */
export async function filesNoteAfterSync(
  targetUrl: string,
  site: string,
  mappingFile: string,
  runId: number,
): Promise<string | null> {
  const client = new pg.Client({ connectionString: targetUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ from: string | null; to: string | null }>(
      `SELECT r.params->>'from' AS from, r.params->>'to' AS to FROM migration_run r
       WHERE r.site = $1 AND r.command = 'files' AND to_regclass('stored_file') IS NOT NULL
       ORDER BY r.id DESC LIMIT 1`,
      [site],
    )
    const last = rows[0]
    if (!last) return null
    const [changed] = (await client.query<{ n: number }>(ARTICLES_WITH_NEW_FILES, [runId, site])).rows
    if (!changed?.n) return null
    return (
      `dhm: ${changed.n} article(s) with new or changed files; copy them with ` +
      `dhm files --mapping ${mappingFile} --from ${last.from} --to ${last.to} (files already stored are skipped)`
    )
  } finally {
    await client.end()
  }
}
