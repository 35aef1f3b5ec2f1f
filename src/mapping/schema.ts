import { z } from 'zod'
import { OWNABLE_FIELD_NAMES } from '../model/owned-fields.js'

/**
 * The mapping-file language (mappings/*.yaml), documented key by key in mappings/README.md.
 * A mapping says which nodes to read and, for each article attribute, where its value comes from
 * and which named transforms it goes through.
 */

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])

/** `node.title`, `field_subject.tid`, `field_story_picture` … (checked by parseSourcePath). */
export const SourcePathSchema = z
  .string()
  .min(1, 'the source path is empty: give one such as node.title, field_subject.tid or alias.path')

/** A transform name; checked against the registry by compileMapping (with a "did you mean"). */
export const TransformNameSchema = z.string().min(1, 'the transform name is empty: give one such as trim')

/** A named transform (`trim`) or a transform with an argument (`{ truncate: 280 }`). */
export const TransformRefSchema = z.union([
  TransformNameSchema,
  z.record(z.string(), z.unknown()).refine((o) => Object.keys(o).length === 1, {
    message: 'a transform with an argument is an object with exactly one key, e.g. { truncate: 280 }',
  }),
])
export type TransformRef = z.infer<typeof TransformRefSchema>

export interface FieldPipeline {
  readonly from: string
  readonly using: readonly TransformRef[]
  readonly default?: unknown
}

export const FieldMappingSchema = z.union([
  SourcePathSchema,
  z.strictObject({ constant: z.unknown() }),
  z.strictObject({
    from: SourcePathSchema,
    using: z.array(TransformRefSchema).default([]),
    /** Used when the pipeline yields null or an empty list: a constant, or another `{ from, using }`. */
    default: z.unknown().optional(),
  }),
])
export type FieldMapping = z.infer<typeof FieldMappingSchema>

export type Condition =
  | {
      readonly path: string
      readonly equals?: unknown
      readonly in?: readonly unknown[]
      readonly present?: boolean
    }
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition }

export const ConditionSchema: z.ZodType<Condition> = z
  .lazy(() =>
    z.union([
      z.strictObject({
        path: SourcePathSchema,
        equals: scalar.optional(),
        in: z.array(scalar).optional(),
        present: z.boolean().optional(),
      }),
      z.strictObject({ all: z.array(ConditionSchema).min(1) }),
      z.strictObject({ any: z.array(ConditionSchema).min(1) }),
      z.strictObject({ not: ConditionSchema }),
    ]),
  )
  .meta({ id: 'Condition' })

/** A site key: stored with every row, names the sync lock and `--site` filters (`dhm status`). */
export const SITE_PATTERN = /^[a-z0-9][a-z0-9-]*$/

/** What a Drupal table prefix may hold: identifier characters, as MariaDB takes them unquoted. */
export const TABLE_PREFIX_PATTERN = /^[A-Za-z0-9_]*$/

const PrefixStringSchema = z
  .string()
  .regex(
    TABLE_PREFIX_PATTERN,
    'letters, digits and _ only (e.g. drupal_); a database. prefix is not supported',
  )

/**
 * Drupal 7's `$databases['default']['default']['prefix']`: a string for every table, or per table
 * (`default` plus overrides, settings.php's array form), e.g. `tablePrefix: site2_` or
 * `tablePrefix: { default: site2_, users: shared_ }`.
 */
export const TablePrefixSchema = z.union([
  PrefixStringSchema,
  z.record(
    z.string().regex(/^[a-z0-9_]+$/, 'a Drupal table name such as users or default'),
    PrefixStringSchema,
  ),
])
export type TablePrefix = z.infer<typeof TablePrefixSchema>

export const SiteMappingSchema = z.strictObject({
  /** Short name of the site; stored with every row so one target can hold several sites. */
  site: z.string().regex(SITE_PATTERN, 'use lowercase letters, digits and - (e.g. bne)'),
  description: z.string().optional(),
  source: z.strictObject({
    /** Node types (bundles) to read. */
    bundles: z.array(z.string().regex(/^[a-z0-9_]+$/)).min(1),
    /** Read field values from field_revision_* at node.vid (default; the truth) or field_data_*. */
    fieldTables: z.enum(['revision', 'data']).default('revision'),
    /**
     * `tnid`: nodes linked by tnid (content translation) become one article, the source node of the
     * set, with the others as its `translations`. `entity_translation`: one node holds several
     * languages (entity_translation module): translatable fields in every language the
     * `entity_translation` table lists for the node; the source language (node.language) is the
     * article, each other listed language one of its `translations`. `none` (default): every node
     * is its own article.
     */
    translations: z.enum(['none', 'tnid', 'entity_translation']).default('none'),
    /**
     * The site's table prefix (settings.php's `prefix`): `drupal_` reads `drupal_node`,
     * `drupal_field_data_body`… One database can hold several sites, one mapping each.
     * `dhm inspect` lists the prefixes it finds. Default: none.
     */
    tablePrefix: TablePrefixSchema.optional(),
  }),
  files: z
    .strictObject({
      /** Base URL for public:// files, e.g. https://example.com/sites/default/files/ */
      publicBaseUrl: z.url().optional(),
      /** Base URL for private:// files (usually served through Drupal: …/system/files/). */
      privateBaseUrl: z.url().optional(),
      /**
       * `dhm files`: store private:// files under this prefix of the target (e.g. `private`), read
       * from `--private-from`. Without it they are listed in the report and not copied, so they never
       * land in a public bucket by accident.
       */
      /**
       * Public file URLs use the keys `dhm files` stores files under (`news/a b.jpg` →
       * `<publicBaseUrl>news/a-b.jpg`): set it with a publicBaseUrl that serves the new store.
       */
      storedKeys: z.boolean().optional(),
      privatePrefix: z
        .string()
        .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'a key prefix such as private or files/private')
        .optional(),
    })
    .default({}),
  /** Which nodes count as live (the legacy view serves these). Default: node.status = 1. */
  live: ConditionSchema.optional(),
  /** Only nodes matching every one of these are migrated; the rest are read and counted as filtered. */
  filters: z.array(ConditionSchema).default([]),
  /** Article attribute (or nested attribute such as image.caption) → where its value comes from. */
  fields: z.record(z.string(), FieldMappingSchema),
  /**
   * Attributes editors own in the new system after cut-over (`owned: [title, summary]`): once the
   * target's value differs from what dhm last wrote there, sync keeps the target's value (the rest of
   * the article still syncs), verify reports it as edited in target, and `dhm release` hands it back.
   * `owned: { fields: [...], from: 2026-12-01 }` counts only edits made in the target at or after
   * that date (UTC midnight, or an ISO timestamp); without `fields`, every ownable attribute.
   */
  owned: z
    .union([
      z.array(z.enum(OWNABLE_FIELD_NAMES)),
      z.strictObject({
        fields: z.array(z.enum(OWNABLE_FIELD_NAMES)).optional(),
        from: z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
          error: 'owned.from is a date (2026-12-01) or an ISO timestamp (2026-12-01T06:00:00Z)',
        }),
      }),
    ])
    .default([]),
  /**
   * Author records from Drupal users (`author` table, `article.authorRecords`): who wrote each
   * article (`from`: node.uid, or a multi-valued user reference such as field_authors.target_id, in
   * delta order), with the revision's user when `revision` is set. Without it articles have no
   * author records (bne keeps its constant `authors`).
   */
  authorRecords: z
    .strictObject({
      /** node.uid (default) or a user reference field column (`field_authors.target_id`). */
      from: SourcePathSchema.default('node.uid'),
      /** Also node_revision.uid of the current revision, as role `revision`. */
      revision: z.boolean().default(false),
      /** A field of the user entity holding the name to show (`field_full_name.value`). */
      displayName: SourcePathSchema.optional(),
      /** users.picture as a file (media_file), default true. */
      picture: z.boolean().default(true),
    })
    .optional(),
  /**
   * Reference fields whose values become `article_reference` rows, resolved to migrated rows after
   * the batches are written: field name → what it points at (`node`: node_reference or
   * entityreference to nodes; `user`: user_reference or entityreference to users; `term`: a term
   * reference or entityreference to taxonomy terms).
   */
  references: z.record(z.string(), z.enum(['node', 'user', 'term'])).default({}),
  /**
   * SEO metadata of the metatag module (`article.seo`): the node's metatag row at its current
   * revision over the defaults of metatag_config (global → node → node:<bundle>), tokens replaced.
   */
  seo: z
    .strictObject({
      /** The new site's base URL, for canonical URLs: https://www.example.com */
      baseUrl: z.url(),
      /** What [site:name] becomes. */
      siteName: z.string().default(''),
    })
    .optional(),
  /**
   * Field collections and paragraphs as ordered, typed blocks of the article (`block` table,
   * `article.blocks`): `fields` names the host fields (of the node or of an item: any depth), `types`
   * maps each item type (a paragraphs bundle; a field collection's field name) like `fields` maps an
   * article: block attribute → value, read from the item's own fields at the host's revision.
   */
  blocks: z
    .strictObject({
      /** Host fields (field_collection or paragraphs), e.g. [field_sections, field_slides]. */
      fields: z.array(z.string().regex(/^[a-z0-9_]+$/, 'a field name such as field_sections')).min(1),
      /** Item type → block attribute (a letter, then letters, digits or _) → value, as `fields`. */
      types: z.record(z.string().regex(/^[a-z0-9_]+$/), z.record(z.string(), FieldMappingSchema)).default({}),
    })
    .optional(),
  /** Menus (menu_links.menu_name) to migrate into `menu_link`, e.g. [main-menu]. */
  menus: z.array(z.string().regex(/^[a-z0-9_-]+$/, 'a menu machine name such as main-menu')).default([]),
})
export type SiteMapping = z.infer<typeof SiteMappingSchema>
