import { hash } from 'node:crypto'
import type pg from 'pg'
import { type BucketChecksums, differingBuckets } from '../extract/changed-nodes.js'
import { contentNeeds } from '../extract/content-refs.js'
import { refNeeds } from '../extract/entity-refs.js'
import {
  bucketWindow,
  readAliasChecksums,
  readAliasesOf,
  readChangedFiles,
  readMaxFid,
  readNidsByFieldValue,
  readNidsByNodeColumn,
  readNidsByRevisionUid,
  readTerms,
  readUserChecksums,
} from '../extract/side-tables.js'
import type { SourceConnection } from '../extract/source-db.js'
import type { SourceLayout } from '../extract/source-schema.js'
import { aliasLinkKey, nodeLinkKey, readLinkingArticles, readTargetAliasKeys } from '../load/article-links.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { CONTENT_HASH_VERSION } from '../model/content-hash.js'
import { TRANSFORM_VERSION, transformCodeFingerprint } from '../model/transform-version.js'
import { stopwatch } from '../stopwatch.js'

/**
 * Why a sync re-reads a node: `node` (node.changed, workflow_node.stamp, publication_date), or an
 * edit in a table its article is built from that does not save the node (`link`: its body links to
 * a node whose aliases changed, so its rewritten links change).
 */
export const CHANGE_KINDS = ['node', 'term', 'alias', 'link', 'file', 'user', 'list-label'] as const
export type ChangeKind = (typeof CHANGE_KINDS)[number]
/** Nodes each kind of change brought in (a node found by several kinds counts under each). */
export type ChangeCounts = Record<ChangeKind, number>

export function emptyChangeCounts(): ChangeCounts {
  return { node: 0, term: 0, alias: 0, link: 0, file: 0, user: 0, 'list-label': 0 }
}

/**
 * What a sync stores with its high-water mark (migration_run.params.sideState) for the next one to
 * compare with: the side tables that have no timestamp. Null members: not watched (the mapping
 * does not read that table) or not recorded by the run that set the mark.
 */
export interface SideState {
  readonly aliases: BucketChecksums | null
  readonly users: BucketChecksums | null
  readonly listLabels: Readonly<Record<string, Readonly<Record<string, string>>>> | null
  /** Files above it are new uploads, which no article embeds without being saved itself. */
  readonly maxFid: number | null
  /**
   * True: the run that recorded this state wrote article_link for every article it read (a whole
   * migrate, a full sync), so body links can be followed from it. Absent in older states.
   */
  readonly bodyLinks?: true | null
  /**
   * What every article is built with besides rows (settingsState): a hash per part. Absent in
   * states recorded before it was kept (nothing to compare with: no full pass is forced).
   */
  readonly settings?: SettingsState | null
  /**
   * When the source was read and each scan last really ran (see sync-scans.ts): what lets the next
   * sync skip the scans of tables that did not change since. Absent in states recorded before it
   * was kept (every scan runs).
   */
  readonly watch?: ScanWatch | null
}

/**
 * The scans a sync can skip when the tables they read did not change since the previous sync
 * (sync-scans.ts): publication_date and workflow_node (findChangedNodes), the side tables (terms,
 * aliases, files, users) and the deletion scan (node).
 */
export const SYNC_SCANS = [
  'publication-date',
  'workflow',
  'term',
  'alias',
  'file',
  'user',
  'deletions',
] as const
export type SyncScan = (typeof SYNC_SCANS)[number]

/** What a run recorded of its reading of the source, for the next sync's skipping (sync-scans.ts). */
export interface ScanWatch {
  /** The source server's clock just before the run's snapshot opened (UNIX_TIMESTAMP(), seconds). */
  readonly snapshotAt: number
  /**
   * Per scan, the snapshotAt of the run that last really ran it (a sync that skips a scan carries
   * its value forward): a scan older than the rescan interval runs whatever the tables say.
   */
  readonly scannedAt: Readonly<Partial<Record<SyncScan, number>>>
}

/**
 * Settings that may change every article at once, none of which saves a node: the site's time zone
 * and the date fields' settings (date-field), the metatag defaults (seo), and dhm's own transform
 * (an upgrade of dhm). A hash of each part the mapping uses; a sync that finds one changed since the
 * previous sync reads everything once (sync-state.ts decideSyncMode).
 */
export type SettingsState = Readonly<Partial<Record<SettingsPart, string>>>
export type SettingsPart = 'transform' | 'dateFields' | 'metatagDefaults'

/** What a changed part means to the user, for the full pass's reason. */
export const SETTINGS_PART_LABEL: Readonly<Record<SettingsPart, string>> = {
  transform: "dhm's transform (another version of dhm)",
  dateFields: "the date fields' settings or the site's time zone",
  metatagDefaults: 'the metatag defaults (metatag_config)',
}

/** The settings parts of this mapping and source, hashed (see {@link SettingsState}). */
export function settingsState(layout: SourceLayout): SettingsState {
  const digest = (v: unknown) => hash('sha1', JSON.stringify(v))
  const code = transformCodeFingerprint()
  const out: Partial<Record<SettingsPart, string>> = {}
  // Where the code could not be read, the fingerprint is this process's own: not a change to report.
  if (!code.startsWith('unreadable:')) out.transform = digest([TRANSFORM_VERSION, CONTENT_HASH_VERSION, code])
  if (layout.dateFields && Object.keys(layout.dateFields).length > 0)
    out.dateFields = digest(layout.dateFields)
  if (layout.metatagDefaults && Object.keys(layout.metatagDefaults).length > 0)
    out.metatagDefaults = digest(layout.metatagDefaults)
  return out
}

/** The parts recorded in `before` whose hash differs now (a part absent on either side is not compared). */
export function changedSettings(
  before: SettingsState | null | undefined,
  now: SettingsState,
): SettingsPart[] {
  if (!before) return []
  return (Object.keys(now) as SettingsPart[]).filter((k) => before[k] !== undefined && before[k] !== now[k])
}

export interface SideChangeQuery {
  readonly mapping: CompiledMapping
  readonly layout: SourceLayout
  /** Inclusive lower bound for file_managed.timestamp (the mark minus the overlap). */
  readonly since: number
  /** What the sync that set the mark stored; null: none (nothing to compare aliases, users, labels with). */
  readonly previous: SideState | null
  readonly sourceUrl: string
  /**
   * Scans skipped because their tables did not change since `previous` was read (sync-scans.ts):
   * their state is carried forward from `previous`, which must hold it.
   */
  readonly skip: ReadonlySet<SyncScan>
  /** What to record as `state.watch` (sync-scans.ts nextWatch). */
  readonly watch: ScanWatch | null
}

export type SideKind = Exclude<ChangeKind, 'node'>

export interface SideChanges {
  /** Nodes to re-read, by the kind of change that found them (a node may be under several). */
  readonly byKind: Readonly<Record<SideKind, ReadonlySet<number>>>
  /** The newest file_managed.timestamp seen at or after `since` (it moves the mark); null: none. */
  readonly newestStamp: number | null
  /** To store with the mark. */
  readonly state: SideState
  /** Seconds each kind's detection took. */
  readonly seconds: Readonly<Record<SideKind, number>>
}

/**
 * The side tables a mapping's articles are built from, and how a sync watches each. Everything the
 * extractor reads from outside the node and its own field rows is here or listed as not watched in
 * the README (body links rewritten to another node's slug: `dhm sync --full`).
 */
function watched(mapping: CompiledMapping, layout: SourceLayout) {
  const fields = Object.values(layout.fields)
  return {
    terms: fields.some((f) => f.termColumn !== null),
    aliases: layout.needsAliases,
    fileFields: fields.filter((f) => f.fileColumn !== null),
    mediaTokens: contentNeeds(mapping).mediaTokens,
    // user-ref values and author records (authorRecords.from) carry the user's name.
    userPaths: mapping.relations.authors
      ? [...refNeeds(mapping).userPaths, mapping.relations.authors.source]
      : refNeeds(mapping).userPaths,
    authors: mapping.relations.authors ?? undefined,
    nodeRefPaths: refNeeds(mapping).nodePaths,
    /** Body links are rewritten to other nodes' URLs: the hosts of the old site, else null. */
    bodyLinks: bodyLinkHosts(mapping),
    listLabels: layout.listLabels && Object.keys(layout.listLabels).length > 0 ? layout.listLabels : null,
  }
}

/**
 * The Drupal tables each scan this mapping needs reads (scans it does not need are absent): a
 * scan can be skipped only when none of its tables changed since the previous sync.
 */
export function scannedTables(
  mapping: CompiledMapping,
  layout: SourceLayout,
): Partial<Record<SyncScan, readonly string[]>> {
  const w = watched(mapping, layout)
  const out: Partial<Record<SyncScan, readonly string[]>> = {}
  if (layout.needsPublicationDate) out['publication-date'] = ['publication_date']
  if (layout.needsWorkflow) out.workflow = ['workflow_node']
  if (w.terms) out.term = ['taxonomy_term_data', 'taxonomy_vocabulary']
  if (w.aliases || w.nodeRefPaths.length > 0 || w.bodyLinks) out.alias = ['url_alias']
  if (w.fileFields.length > 0 || w.mediaTokens) out.file = ['file_managed']
  if (w.userPaths.length > 0) {
    const d = w.authors?.displayName
    out.user = d ? ['users', `field_data_${d.field}`] : ['users']
  }
  out.deletions = ['node']
  return out
}

/**
 * The state of the side tables in the caller's snapshot (a full sync, a whole migrate, stores it
 * with its mark), opened at `openedAt` by the source's clock: every scan counts as run then, but
 * the deletion scan, which only a sync runs (it adds it).
 */
export async function readSideState(
  conn: SourceConnection,
  mapping: CompiledMapping,
  layout: SourceLayout,
  sourceUrl: string,
  openedAt: number,
): Promise<SideState> {
  const w = watched(mapping, layout)
  const files = w.fileFields.length > 0 || w.mediaTokens
  const scans = Object.keys(scannedTables(mapping, layout)).filter((k) => k !== 'deletions')
  return {
    aliases:
      w.aliases || w.nodeRefPaths.length > 0 || w.bodyLinks
        ? await readAliasChecksums(conn, sourceUrl)
        : null,
    users: w.userPaths.length > 0 ? await readUserChecksums(conn, sourceUrl, w.authors) : null,
    listLabels: w.listLabels,
    maxFid: files ? await readMaxFid(conn, sourceUrl) : null,
    bodyLinks: w.bodyLinks ? true : null,
    settings: settingsState(layout),
    watch: { snapshotAt: openedAt, scannedAt: Object.fromEntries(scans.map((k) => [k, openedAt])) },
  }
}

/** The hosts of the old site when the mapping rewrites body links (article_link is written), else null. */
export function bodyLinkHosts(mapping: CompiledMapping): readonly string[] | null {
  return contentNeeds(mapping).links?.siteHosts ?? null
}

/**
 * The side tables without a timestamp that the mapping reads but `recorded` (a previous run's state)
 * has nothing of: a sync comparing with it would see no edit made there before it. Empty when every
 * watched table was recorded.
 */
export function unrecordedSideTables(
  recorded: SideState | null,
  mapping: CompiledMapping,
  layout: SourceLayout,
): string[] {
  const w = watched(mapping, layout)
  const out: string[] = []
  if ((w.aliases || w.nodeRefPaths.length > 0 || w.bodyLinks) && !recorded?.aliases) out.push('url_alias')
  if (w.userPaths.length > 0 && !recorded?.users) out.push('users')
  if (w.listLabels && !recorded?.listLabels) out.push('list labels')
  if ((w.fileFields.length > 0 || w.mediaTokens) && (recorded?.maxFid ?? null) === null)
    out.push('file_managed (replaced files)')
  if (w.bodyLinks && !recorded?.bodyLinks) out.push('body links (article_link)')
  return out
}

/**
 * Nodes whose article changed through a table other than node and its field rows, inside the
 * caller's snapshot, found without reading the site:
 *
 * - `term`: taxonomy_term_data has no timestamp, but vocabularies are small: the target's terms of
 *   the site are compared with the source's by tid (name, vocabulary; gone), and the articles
 *   linked to a differing term (article_term) are re-read.
 * - `alias`: url_alias checksums per bucket of SIDE_BUCKET_SIZE nids, against the previous sync's;
 *   the nodes of differing buckets are re-read.
 * - `link`: of those nodes, the ones whose aliases differ from what the target holds (slug and
 *   redirects); the articles whose bodies link to one (`node/<nid>`, or one of its old or new
 *   aliases: article_link) are re-read, since their rewritten links change.
 * - `file`: file_managed.timestamp >= since (indexed); nodes whose file or image field holds such a
 *   fid (field tables index fid), and, for files older than the previous sync (replaced, not new),
 *   articles embedding them through media tokens (their documents list them).
 * - `user`: users checksums per bucket of uids (user-ref); nodes whose referenced uid lies in a
 *   differing bucket.
 * - `list-label`: the allowed values of list fields (field_config.data), against the previous
 *   sync's; nodes holding a key whose label changed.
 */
export async function findSideChanges(
  conn: SourceConnection,
  target: pg.Pool,
  q: SideChangeQuery,
): Promise<SideChanges> {
  const { mapping, layout, sourceUrl: url } = q
  const bundles = mapping.source.bundles
  const w = watched(mapping, layout)
  const byKind: Record<SideKind, Set<number>> = {
    term: new Set(),
    alias: new Set(),
    link: new Set(),
    file: new Set(),
    user: new Set(),
    'list-label': new Set(),
  }
  const add = (kind: SideKind, list: Iterable<number>) => {
    for (const nid of list) byKind[kind].add(nid)
  }
  // Field rows of the node's current revision only (fieldTables: revision keeps every revision).
  const current = mapping.source.fieldTables === 'revision'
  const seconds = { term: 0, alias: 0, link: 0, file: 0, user: 0, 'list-label': 0 }
  const lap = stopwatch()
  const previous = q.previous

  const skip = q.skip
  if (w.terms && !skip.has('term')) {
    const { rows } = await target.query<{ legacy_tid: number; vocabulary: string; name: string }>(
      'SELECT legacy_tid, vocabulary, name FROM term WHERE site = $1',
      [mapping.site],
    )
    const source = await readTerms(
      conn,
      url,
      rows.map((r) => r.legacy_tid),
    )
    const changed = rows
      .filter((r) => {
        const now = source.get(r.legacy_tid)
        return !now || now.name !== r.name || now.vocabulary !== r.vocabulary
      })
      .map((r) => r.legacy_tid)
    if (changed.length > 0) {
      const { rows: linked } = await target.query<{ legacy_nid: number }>(
        `SELECT DISTINCT a.legacy_nid FROM term t
         JOIN article_term at ON at.term_id = t.id JOIN article a ON a.id = at.article_id
         WHERE t.site = $1 AND t.legacy_tid = ANY($2::int[]) AND a.bundle = ANY($3::text[])`,
        [mapping.site, changed, [...bundles]],
      )
      add(
        'term',
        linked.map((r) => r.legacy_nid),
      )
    }
  }
  seconds.term = lap()

  const aliases = !(w.aliases || w.nodeRefPaths.length > 0 || w.bodyLinks)
    ? null
    : skip.has('alias')
      ? (previous?.aliases ?? null)
      : await readAliasChecksums(conn, url)
  if (aliases && previous?.aliases && !skip.has('alias')) {
    const windows = differingBuckets(aliases, previous.aliases).map((b) => bucketWindow(b))
    if (windows.length > 0) {
      const inWindows = await readNidsByNodeColumn(conn, url, bundles, 'nid', windows)
      if (w.aliases) add('alias', inWindows)
      if (w.bodyLinks && previous.bodyLinks) {
        seconds.alias = lap()
        add('link', await findLinkingArticles(conn, target, mapping.site, url, inWindows))
        seconds.link = lap()
      }
      // node-ref values carry the referenced node's slug: nodes referring into a differing bucket.
      for (const p of w.nodeRefPaths) {
        const f = p.kind === 'field' ? layout.fields[p.field] : undefined
        const column = f && p.kind === 'field' && (p.column ?? NODE_ID_COLUMNS.find((c) => c in f.columns))
        const real = f && column ? f.columns[column] : undefined
        if (f && real)
          add('alias', await readNidsByFieldValue(conn, url, f.table, real, current, { windows }))
      }
    }
  }
  seconds.alias += lap()

  let newestStamp: number | null = null
  let maxFid: number | null = null
  if ((w.fileFields.length > 0 || w.mediaTokens) && skip.has('file')) {
    maxFid = previous?.maxFid ?? null
  } else if (w.fileFields.length > 0 || w.mediaTokens) {
    maxFid = await readMaxFid(conn, url)
    const files = await readChangedFiles(conn, url, q.since)
    newestStamp = files.newestStamp
    if (files.fids.length > 0) {
      for (const f of w.fileFields) {
        const column = f.columns[f.fileColumn ?? '']
        if (column)
          add('file', await readNidsByFieldValue(conn, url, f.table, column, current, { values: files.fids }))
      }
      const oldMax = previous?.maxFid ?? null
      const replaced = oldMax === null ? [] : files.fids.filter((fid) => fid <= oldMax)
      if (w.mediaTokens && replaced.length > 0) {
        // Media tokens live in body text: the target's documents say which articles embed a file.
        const { rows } = await target.query<{ legacy_nid: number }>(
          `SELECT legacy_nid FROM article WHERE site = $1 AND bundle = ANY($2::text[])
             AND jsonb_typeof(document->'media') = 'array'
             AND EXISTS (SELECT 1 FROM jsonb_array_elements(document->'media') m
                         WHERE (m->>'fid')::int = ANY($3::int[]))`,
          [mapping.site, [...bundles], replaced],
        )
        add(
          'file',
          rows.map((r) => r.legacy_nid),
        )
      }
    }
  }
  seconds.file = lap()

  const users =
    w.userPaths.length === 0
      ? null
      : skip.has('user')
        ? (previous?.users ?? null)
        : await readUserChecksums(conn, url, w.authors)
  if (users && previous?.users && !skip.has('user')) {
    const windows = differingBuckets(users, previous.users).map((b) => bucketWindow(b))
    if (windows.length > 0) {
      for (const p of w.userPaths) {
        if (p.kind === 'node') add('user', await readNidsByNodeColumn(conn, url, bundles, p.column, windows))
        if (p.kind !== 'field') continue
        const f = layout.fields[p.field]
        const column = f && (p.column ?? USER_ID_COLUMNS.find((c) => c in f.columns))
        const real = f && column ? f.columns[column] : undefined
        if (f && real) add('user', await readNidsByFieldValue(conn, url, f.table, real, current, { windows }))
      }
      if (w.authors?.revision) add('user', await readNidsByRevisionUid(conn, url, bundles, windows))
    }
  }
  seconds.user = lap()

  if (w.listLabels && previous?.listLabels) {
    for (const [field, labels] of Object.entries(w.listLabels)) {
      const before = previous.listLabels[field] ?? {}
      const keys = [...new Set([...Object.keys(labels), ...Object.keys(before)])].filter(
        (k) => labels[k] !== before[k],
      )
      const f = layout.fields[field]
      const real = f?.columns.value
      if (keys.length > 0 && f && real) {
        add('list-label', await readNidsByFieldValue(conn, url, f.table, real, current, { values: keys }))
      }
    }
  }
  seconds['list-label'] = lap()

  const state: SideState = {
    aliases,
    users,
    listLabels: w.listLabels,
    maxFid,
    bodyLinks: w.bodyLinks ? true : null,
    settings: settingsState(layout),
    watch: q.watch,
  }
  return { byKind, newestStamp, state, seconds }
}

/**
 * The articles whose bodies link to one of `nids` whose aliases changed: the source's aliases of
 * each nid against the target's (its slug and redirects, as dhm last wrote them); for each node
 * that differs, its `node/<nid>` and every old and new alias as link keys, looked up in article_link.
 */
async function findLinkingArticles(
  conn: SourceConnection,
  target: pg.Pool,
  site: string,
  url: string,
  nids: readonly number[],
): Promise<number[]> {
  if (nids.length === 0) return []
  const now = await readAliasesOf(conn, url, nids)
  const before = await readTargetAliasKeys(target, site, nids)
  const keys: string[] = []
  for (const nid of nids) {
    const a = new Set((now.get(nid) ?? []).map(aliasLinkKey))
    const b = before.get(nid) ?? new Set<string>()
    if (a.size === b.size && [...a].every((k) => b.has(k))) continue
    keys.push(nodeLinkKey(nid), ...a, ...b)
  }
  return readLinkingArticles(target, site, keys)
}

/** Columns a whole node reference item holds its nid in (node_reference, entityreference). */
const NODE_ID_COLUMNS = ['nid', 'target_id'] as const
/** Columns a whole user reference item holds its uid in (user_reference, entityreference). */
const USER_ID_COLUMNS = ['uid', 'target_id'] as const
