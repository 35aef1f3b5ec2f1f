import { readFile } from 'node:fs/promises'

/**
 * The legacy front end's one-article query (shared/seed/legacy-article-query.sql, read as is),
 * parameterised: the first `?` is the nid, the second the publication tid (pass the article's
 * delta-0 publication so that LIMIT 1 returns that row). Tests compare the tool against it.
 */
export async function legacyArticleQuery(): Promise<string> {
  let text: string
  try {
    text = await readFile(new URL('../../../shared/seed/legacy-article-query.sql', import.meta.url), 'utf8')
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error
    text = LEGACY_ARTICLE_QUERY
  }
  const sql = text
    .replace(/--[^\n]*/g, '')
    .trim()
    .replace(/;$/, '')
  const parameterised = sql
    .replace('n.nid = 294856', 'n.nid = ?')
    .replace("p.field_publication__tid = '1004'", 'p.field_publication__tid = ?')
  if (parameterised.match(/\?/g)?.length !== 2) {
    throw new Error(
      'shared/seed/legacy-article-query.sql changed: cannot find its nid and publication conditions',
    )
  }
  return parameterised
}

/** Inline copy of shared/seed/legacy-article-query.sql, for checkouts without ../shared. */
const LEGACY_ARTICLE_QUERY = `
SELECT
  n.nid                                        AS id,
  n.title,
  'bne IntelliNews'                            AS authors,
  'bne IntelliNews'                            AS bylines,
  wc.field_website_callout_value               AS summary,
  smc.field_social_media_callout_value         AS social,
  pd.published_at                              AS date,
  p.field_publication__tid                     AS publication_id,
  fm.uri                                       AS image,
  fspcaption.field_story_photo_caption_value   AS image_credit,
  fspcredit.field_story_photo_credit_value     AS image_author,
  ws.field_website_sections_tid                AS section_id,
  fdfs.field_subject_tid                       AS subject_id,
  db.body_value                                AS body,
  fm2.uri                                      AS pdf,
  et.field_enable_tracking_value               AS tracking,
  ht.field_head_tags_value                     AS headTags,
  bt.field_body_tags_value                     AS bodyTags
FROM node n
LEFT JOIN field_data_field_website_callout      wc         ON wc.entity_id = n.nid
LEFT JOIN field_data_field_social_media_callout smc        ON smc.entity_id = n.nid
LEFT JOIN publication_date                      pd         ON pd.nid = n.nid
LEFT JOIN field_data_field_publication_         p          ON p.entity_id = n.nid
LEFT JOIN field_data_field_story_picture        sp         ON sp.entity_id = n.nid
LEFT JOIN file_managed                          fm         ON fm.fid = sp.field_story_picture_fid
LEFT JOIN field_data_field_story_photo_caption  fspcaption ON fspcaption.entity_id = n.nid
LEFT JOIN field_data_field_story_photo_credit   fspcredit  ON fspcredit.entity_id = n.nid
LEFT JOIN workflow_node                         wn         ON wn.nid = n.nid
LEFT JOIN field_data_field_website_sections     ws         ON ws.entity_id = n.nid
LEFT JOIN field_data_field_subject              fdfs       ON fdfs.entity_id = n.nid
LEFT JOIN field_data_body                       db         ON db.entity_id = n.nid
LEFT JOIN field_data_field_file                 ff         ON ff.entity_id = n.nid
LEFT JOIN file_managed                          fm2        ON fm2.fid = ff.field_file_fid
LEFT JOIN field_data_field_enable_tracking      et         ON et.entity_id = n.nid
LEFT JOIN field_data_field_head_tags            ht         ON ht.entity_id = n.nid
LEFT JOIN field_data_field_body_tags            bt         ON bt.entity_id = n.nid
WHERE n.status = 1
  AND n.type = 'article'
  AND n.nid = 294856
  AND wn.sid = 3                          -- the editorial workflow state the site serves as live
  AND p.field_publication__tid = '1004'   -- the publication (a taxonomy term) this front end serves
LIMIT 1;
`
