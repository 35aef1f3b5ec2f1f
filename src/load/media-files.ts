/** Upsert media_file rows (site, legacy_fid) from a JSON list of FileRef; written only when something differs. */
export const UPSERT_FILES = `
INSERT INTO media_file (site, legacy_fid, uri, url, filename, mime, size)
SELECT $1, f.fid, f.uri, f.url, f.filename, f.mime, f.size
FROM jsonb_to_recordset($2::jsonb) AS f(fid int, uri text, url text, filename text, mime text, size bigint)
ON CONFLICT (site, legacy_fid) DO UPDATE SET uri = excluded.uri, url = excluded.url,
  filename = excluded.filename, mime = excluded.mime, size = excluded.size
WHERE (media_file.uri, media_file.url, media_file.filename, media_file.mime, media_file.size)
  IS DISTINCT FROM (excluded.uri, excluded.url, excluded.filename, excluded.mime, excluded.size)`
