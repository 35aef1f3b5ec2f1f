/**
 * What the extractor hands to the transformer: one Drupal 7 node with everything the mapping needs,
 * still spelled the Drupal way. Names change at the transform boundary only.
 */

/** A column value as mysql2 returns it (BIGINT and DECIMAL as strings, blobs decoded to text). */
export type D7Value = string | number | null

/** One field item (one delta) with its columns keyed by the short name: `tid`, `value`, `fid`… */
export interface D7FieldItem {
  readonly delta: number
  readonly language: string
  readonly values: Readonly<Record<string, D7Value>>
}

export interface D7Term {
  readonly tid: number
  readonly name: string
  readonly vocabulary: string
}

export interface D7File {
  readonly fid: number
  readonly uri: string
  readonly filename: string
  readonly filemime: string
  readonly filesize: number
  readonly status: number
}

export interface D7Alias {
  readonly pid: number
  readonly alias: string
  readonly language: string
}

export interface D7NodeBundle {
  readonly nid: number
  readonly vid: number
  readonly type: string
  readonly language: string
  readonly title: string
  readonly uid: number
  readonly status: number
  readonly created: number
  readonly changed: number
  readonly promote: number
  readonly sticky: number
  readonly tnid: number
  /** Current-revision, non-deleted field items per field name, in delta order. */
  readonly fields: Readonly<Record<string, readonly D7FieldItem[]>>
  readonly workflow: { readonly sid: number; readonly stamp: number } | null
  readonly publicationDate: number | null
  /** Every alias of `node/<nid>`, newest (highest pid) first. */
  readonly aliases: readonly D7Alias[]
  /** Terms and files referenced by this node's fields, resolved in bulk per batch. */
  readonly terms: Readonly<Record<number, D7Term>>
  readonly files: Readonly<Record<number, D7File>>
  /** Rows of non-translatable fields in a language other than `und`: ignored, counted. */
  readonly strayLanguageRows: number
  /** node.vid has no node_revision row (fieldTables: revision): its field values cannot be read. */
  readonly missingRevision?: boolean
  /** With `source.translations: tnid`: the other nodes of this node's translation set (source node only). */
  readonly translations?: readonly D7NodeBundle[]
  /**
   * With `source.translations: entity_translation`: every language the `entity_translation` table
   * lists for this node other than node.language, with that language's field items and aliases.
   * `fields` and `aliases` above then hold the source language only.
   */
  readonly entityTranslations?: readonly D7EntityTranslation[]
  /**
   * Nodes and aliases that text fields link to (`/node/N`, old aliases), resolved in bulk per batch
   * when the mapping rewrites body links. Files of media tokens are in `files`.
   */
  readonly links?: D7Links
  /**
   * Nodes that node/entity reference values point at (`node-ref`), resolved in bulk per batch:
   * nid → the node with its slug. A referenced nid missing here does not exist.
   */
  readonly nodeRefs?: Readonly<Record<number, D7NodeRef>>
  /**
   * With `authorRecords`: the users it points at (node.uid or a user reference field, and the
   * revision's user), resolved in bulk per batch; a uid missing here has no users row.
   */
  readonly authors?: Readonly<Record<number, D7Author>>
  /**
   * With `seo`: the metatag defaults of the node's bundle, most general first (global, node,
   * node:<bundle>), and the node's own metatag data at its current revision by language.
   */
  readonly metatags?: D7Metatags
  /** With `authorRecords.revision`: node_revision.uid of the current revision. */
  readonly revisionUid?: number | null
  /** Users that user reference values and node.uid point at (`user-ref`), resolved in bulk per batch. */
  readonly users?: Readonly<Record<number, D7User>>
  /**
   * List fields' allowed values (field_config.data, read once per run): field name → stored key →
   * label, for `list-label`.
   */
  readonly listLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>
  /**
   * A hash of every source value the transform of this node (and, with `translations`, of its whole
   * translation set) can read, with the mapping and transform version (source-fingerprint.ts). Set by
   * the extractor; absent on bundles made elsewhere (tests), which are then never skipped.
   */
  readonly sourceFingerprint?: string
  /**
   * The date module's fields read (datetime, datestamp, date): field name → how their values are
   * stored (field_config.data), read once per run, for `date-field`.
   */
  readonly dateFields?: Readonly<Record<string, D7DateField>>
  /**
   * With `blocks`: the field collection and paragraphs items of the node's host fields at its
   * current revision, any depth, in pre-order (a host's items in delta order, each followed by its
   * own items). Archived and orphaned items are left out and counted in `blocksLeftOut`.
   */
  readonly blocks?: readonly D7Block[]
  readonly blocksLeftOut?: { readonly archived: number; readonly orphaned: number }
}

/** One field collection or paragraphs item, read at the revision its host points at. */
export interface D7Block {
  readonly entity: 'field_collection_item' | 'paragraphs_item'
  readonly itemId: number
  readonly revisionId: number
  /** The host field it is a value of, and its delta there. */
  readonly field: string
  readonly delta: number
  /** Index in the node's `blocks` of the item that holds it; null: the node holds it. */
  readonly parent: number | null
  /** paragraphs_item.bundle; a field collection item's type is its field name. */
  readonly type: string
  /** The item's own field items at that revision, per field name, in delta order. */
  readonly fields: Readonly<Record<string, readonly D7FieldItem[]>>
}

/** How the date module stores one date field: field_config.type and .data's settings. */
export interface D7DateField {
  /** `datetime` ('YYYY-MM-DD HH:MM:SS'), `datestamp` (unix seconds) or `date` (ISO string). */
  readonly type: 'datetime' | 'datestamp' | 'date'
  /**
   * settings.tz_handling: `site`, `user`, `utc` and `date` store UTC (`date` also keeps the editor's
   * zone per value in `<field>_timezone`); `none` stores the wall time as typed, no zone.
   */
  readonly tzHandling: 'site' | 'date' | 'user' | 'utc' | 'none'
  /** settings.granularity's parts that are on: year, month, day, hour, minute, second. */
  readonly granularity: readonly string[]
  /** settings.todate: '' (no end date), `optional` or `required`. */
  readonly todate: string
  /** The site's time zone (variable date_default_timezone); UTC when the site never set one. */
  readonly siteTimeZone: string
}

/** A node a reference field points at: its slug is the newest alias, chosen as for articles. */
export interface D7NodeRef {
  readonly nid: number
  readonly type: string
  readonly slug: string | null
}

export interface D7User {
  readonly uid: number
  readonly name: string
}

/** metatag data: tag name → its value (a string, or for robots a map of directives). */
export type D7MetatagData = Readonly<Record<string, unknown>>

export interface D7Metatags {
  readonly defaults: readonly D7MetatagData[]
  readonly byLanguage: Readonly<Record<string, D7MetatagData>>
}

/** A user as an author record needs it: no e-mail, no password hash. */
export interface D7Author {
  readonly uid: number
  readonly name: string
  /** users.status: 1 active, 0 blocked. */
  readonly status: number
  /** From the mapping's authorRecords.displayName field; null when the user has none. */
  readonly displayName: string | null
  /** users.picture's file_managed row; null when none (or its row is gone). */
  readonly picture: D7File | null
}

/** A node a body links to: its slug (newest alias, as for articles) and whether it is migrated. */
export interface D7LinkTarget {
  readonly type: string
  readonly slug: string | null
  /** Its bundle is one the mapping reads. */
  readonly migrated: boolean
}

export interface D7Links {
  readonly byNid: Readonly<Record<number, D7LinkTarget>>
  /** Lower-cased alias (no leading slash) → nid, for links that use an alias. */
  readonly byAlias: Readonly<Record<string, number>>
}

/** One language of a node translated in place (entity_translation module). */
export interface D7EntityTranslation {
  readonly language: string
  /** The language it was translated from (entity_translation.source). */
  readonly source: string
  /** entity_translation.status: 1 published, 0 not. */
  readonly status: number
  /** Field items in this language; a field without any falls back to its `und` items. */
  readonly fields: Readonly<Record<string, readonly D7FieldItem[]>>
  /** Aliases of `node/<nid>` in this language, newest first. */
  readonly aliases: readonly D7Alias[]
}
