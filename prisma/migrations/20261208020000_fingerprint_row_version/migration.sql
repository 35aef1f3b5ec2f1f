-- AlterTable
ALTER TABLE "article_fingerprint" ADD COLUMN     "version" TEXT;

-- Hand-written: the row-version fingerprints (src/load/target-fingerprint.ts, `v1:`) of the articles
-- that still compute the target fingerprint stored with them (nobody edited them since dhm wrote them),
-- so that the next verify, migrate or sync checks them without reading their body and document. An
-- article that no longer computes its stored value, or that yields a path to another article, keeps
-- no version and goes the content way, as before. The query below is the code's
-- (targetFingerprintsSql with its version) as generated on 2026-12-08, over 10,000 article ids at a
-- time.
DO $$
DECLARE
  _lo integer;
  _hi integer;
BEGIN
  SELECT min(article_id), max(article_id) INTO _lo, _hi FROM article_fingerprint WHERE version IS NULL;
  WHILE _lo <= _hi LOOP
    UPDATE article_fingerprint f SET version = n.version
    FROM (
      WITH sel AS MATERIALIZED (
        SELECT a.id, a.site, hashtextextended(a.body, 0) AS body_hash,
          hashtextextended(a.document::text, 0) AS document_hash, a.document->'redirects' AS redirects
        FROM article a WHERE a.id BETWEEN _lo AND _lo + 9999),
      terms AS (
        SELECT at.article_id,
          string_agg(ROW(at.role, at.position, t.legacy_tid, t.name, t.vocabulary)::text, ',' ORDER BY at.role, at.position) AS list
        FROM article_term at JOIN term t ON t.id = at.term_id
        WHERE at.article_id IN (SELECT id FROM sel) GROUP BY at.article_id),
      authors AS (
        SELECT aa.article_id,
          string_agg(ROW(aa.role, aa.position, au.legacy_uid, au.name, au.display_name, au.status, CASE WHEN pf.id IS NULL THEN NULL ELSE ROW(pf.legacy_fid, pf.uri, pf.url, pf.filename, pf.mime, pf.size) END)::text,
            ',' ORDER BY aa.role, aa.position) AS list
        FROM article_author aa JOIN author au ON au.id = aa.author_id
        LEFT JOIN media_file pf ON pf.id = au.picture_file_id
        WHERE aa.article_id IN (SELECT id FROM sel) GROUP BY aa.article_id),
      refs AS (
        -- What read-target-relations.ts reads: the resolved target ids are set after the last batch
        -- (pipeline/finish-relations.ts) and are not part of the article as read back.
        SELECT r.article_id,
          string_agg(ROW(r.field, r.delta, r.kind, r.target_legacy_id)::text, ',' ORDER BY r.field, r.delta) AS list
        FROM article_reference r
        WHERE r.article_id IN (SELECT id FROM sel) GROUP BY r.article_id),
      blocks AS (
        -- What read-target-relations.ts reads of block.
        SELECT b.article_id,
          string_agg(ROW(b.ordinal, b.parent_ordinal, b.entity_type, b.legacy_item_id, b.legacy_revision_id,
            b.field, b.delta, b.type, b.data)::text, ',' ORDER BY b.ordinal) AS list
        FROM block b
        WHERE b.article_id IN (SELECT id FROM sel) GROUP BY b.article_id),
      redirects AS (
        SELECT x.article_id, string_agg(x.item, ',' ORDER BY x.item) AS list
        FROM (
          SELECT r.article_id, ROW(r.source_path, r.language, r.legacy_nid::text)::text AS item
          FROM redirect r WHERE r.article_id IN (SELECT id FROM sel)
          UNION
          SELECT s.id, ROW(d->>'path', d->>'language', d->>'legacyNid')::text
          FROM sel s
          CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(s.redirects) = 'array' THEN s.redirects ELSE '[]'::jsonb END) d
          JOIN redirect r ON r.site = s.site AND r.source_path = d->>'path' AND r.language = d->>'language'
            AND r.article_id <> s.id
          JOIN article o ON o.id = r.article_id
          WHERE o.document->'redirects' @> jsonb_build_array(jsonb_build_object('path', d->>'path', 'language', d->>'language'))
        ) x GROUP BY x.article_id)
      SELECT a.id, a.legacy_nid,
        'f2:' || md5(ROW(a.bundle, a.language, a.title, a.slug, a.published, a.workflow_state, a.is_live, a.authors, a.bylines, a.summary, a.social, extract(epoch FROM a.published_at), a.image_file_id, a.image_caption, a.image_credit, a.image_alt, a.image_title, a.image_width, a.image_height, a.pdf_file_id, a.pdf_description, s.body_hash, a.body_summary, a.body_format, a.tracking, a.head_tags, a.body_tags, extract(epoch FROM a.created_at), extract(epoch FROM a.updated_at), a.content_hash, a.deleted_at IS NOT NULL, s.document_hash, CASE WHEN fi.id IS NULL THEN NULL ELSE ROW(fi.legacy_fid, fi.uri, fi.url, fi.filename, fi.mime, fi.size) END, CASE WHEN fp.id IS NULL THEN NULL ELSE ROW(fp.legacy_fid, fp.uri, fp.url, fp.filename, fp.mime, fp.size) END, terms.list, redirects.list,
          authors.list, refs.list)::text || COALESCE('B' || blocks.list, '')) AS target,
        CASE WHEN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(
          CASE WHEN jsonb_typeof(s.redirects) = 'array' THEN s.redirects ELSE '[]'::jsonb END) d
        WHERE NOT EXISTS (SELECT 1 FROM redirect r WHERE r.site = s.site AND r.source_path = d->>'path'
          AND r.language = d->>'language' AND r.article_id = s.id)) THEN 'v1:' || md5(ROW(a.xmin, a.ctid, CASE WHEN fi.id IS NULL THEN NULL ELSE ROW(fi.legacy_fid, fi.uri, fi.url, fi.filename, fi.mime, fi.size) END, CASE WHEN fp.id IS NULL THEN NULL ELSE ROW(fp.legacy_fid, fp.uri, fp.url, fp.filename, fp.mime, fp.size) END, terms.list, redirects.list,
          authors.list, refs.list)::text || COALESCE('B' || blocks.list, '')) END AS version
      FROM sel s JOIN article a ON a.id = s.id
      LEFT JOIN media_file fi ON fi.id = a.image_file_id
      LEFT JOIN media_file fp ON fp.id = a.pdf_file_id
      LEFT JOIN terms ON terms.article_id = a.id
      LEFT JOIN redirects ON redirects.article_id = a.id
      LEFT JOIN authors ON authors.article_id = a.id
      LEFT JOIN refs ON refs.article_id = a.id
      LEFT JOIN blocks ON blocks.article_id = a.id
    ) n
    WHERE f.article_id = n.id AND f.version IS NULL AND f.target = n.target;
    _lo := _lo + 10000;
  END LOOP;
END
$$;
