-- legacy_article gains the site (as its last column: CREATE OR REPLACE VIEW can only add columns at
-- the end). A target that holds two sites (two mapping files, each with its own site) has a node id
-- once per site, and the old front end then asks WHERE site = $1 AND id = $2 instead of WHERE id = $1.
-- (No semicolon inside these comments: the schema engine, checking this folder against schema.prisma, split the file at one.)
-- Otherwise the view is the one of 20261127000100_legacy_article_view.
CREATE OR REPLACE VIEW "legacy_article" AS
SELECT
  a.legacy_nid                            AS id,
  a.title                                 AS title,
  array_to_string(a.authors, ', ')        AS authors,
  array_to_string(a.bylines, ', ')        AS bylines,
  a.summary                               AS summary,
  a.social                                AS social,
  a.published_at                          AS date,
  terms.publication_ids[1]                AS publication_id,
  img.uri                                 AS image,
  a.image_caption                         AS image_credit,
  a.image_credit                          AS image_author,
  terms.section_ids[1]                    AS section_id,
  terms.subject_ids[1]                    AS subject_id,
  a.body                                  AS body,
  pdf.uri                                 AS pdf,
  a.tracking                              AS tracking,
  a.head_tags                             AS "headTags",
  a.body_tags                             AS "bodyTags",
  terms.publication_ids                   AS publication_ids,
  terms.section_ids                       AS section_ids,
  terms.subject_ids                       AS subject_ids,
  a.site                                  AS site
FROM "article" a
LEFT JOIN "media_file" img ON img.id = a.image_file_id
LEFT JOIN "media_file" pdf ON pdf.id = a.pdf_file_id
CROSS JOIN LATERAL (
  SELECT
    COALESCE(array_agg(t.legacy_tid ORDER BY at.position) FILTER (WHERE at.role = 'publication'), '{}') AS publication_ids,
    COALESCE(array_agg(t.legacy_tid ORDER BY at.position) FILTER (WHERE at.role = 'section'), '{}')     AS section_ids,
    COALESCE(array_agg(t.legacy_tid ORDER BY at.position) FILTER (WHERE at.role = 'subject'), '{}')     AS subject_ids
  FROM "article_term" at
  JOIN "term" t ON t.id = at.term_id
  WHERE at.article_id = a.id
) terms
WHERE a.is_live AND a.deleted_at IS NULL;
