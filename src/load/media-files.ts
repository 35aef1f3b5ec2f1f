/** Upsert media_file rows (site, legacy_fid) from a JSON list of FileRef; written only when something differs. */
export const UPSERT_FILES = `
INSERT INTO media_file (site, legacy_fid, uri, url, filename, mime, size)
SELECT $1, f.fid, f.uri, f.url, f.filename, f.mime, f.size
FROM jsonb_to_recordset($2::jsonb) AS f(fid int, uri text, url text, filename text, mime text, size bigint)
-- Rows the target holds as they are are not proposed at all: ON CONFLICT DO UPDATE locks every
-- conflicting row, its WHERE false or not (a page write and its WAL for each file of every batch).
WHERE NOT EXISTS (SELECT 1 FROM media_file m WHERE m.site = $1 AND m.legacy_fid = f.fid
  AND (m.uri, m.url, m.filename, m.mime, m.size) IS NOT DISTINCT FROM (f.uri, f.url, f.filename, f.mime, f.size))
ON CONFLICT (site, legacy_fid) DO UPDATE SET uri = excluded.uri, url = excluded.url,
  filename = excluded.filename, mime = excluded.mime, size = excluded.size
WHERE (media_file.uri, media_file.url, media_file.filename, media_file.mime, media_file.size)
  IS DISTINCT FROM (excluded.uri, excluded.url, excluded.filename, excluded.mime, excluded.size)`
