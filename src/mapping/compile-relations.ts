import type { SiteMapping } from './schema.js'
import { parseSourcePath, type SourcePath } from './source-path.js'

/**
 * What a mapping says about the records an article relates to (issue #21): authors from users,
 * resolved references, menus. Compiled once, read by the extractor, the transformer, the loader
 * and the end-of-run pass.
 */
export interface CompiledRelations {
  readonly authors: CompiledAuthorRecords | null
  /** In mapping order: the order of `article.references`. */
  readonly references: readonly CompiledReference[]
  readonly menus: readonly string[]
  /** metatag (mapping key `seo`); null: no article.seo. */
  readonly seo: { readonly baseUrl: string; readonly siteName: string } | null
}

export interface CompiledAuthorRecords {
  /** node.uid, or a user reference field (its column, or the whole item: uid / target_id). */
  readonly source: SourcePath
  readonly revision: boolean
  /** A field of the user entity (field_data_<field>, entity_type user), delta 0. */
  readonly displayName: { readonly field: string; readonly column: string } | null
  readonly picture: boolean
}

export type ReferenceKind = 'node' | 'user' | 'term'

export interface CompiledReference {
  readonly field: string
  readonly kind: ReferenceKind
  /** The node field's source path (whole items: the id column is chosen per kind). */
  readonly source: SourcePath
}

/** Columns a reference item holds its target id in, by kind, in the order they are tried. */
export const REFERENCE_ID_COLUMNS: Readonly<Record<ReferenceKind, readonly string[]>> = {
  node: ['nid', 'target_id'],
  user: ['uid', 'target_id'],
  term: ['tid', 'target_id'],
}

export const NO_RELATIONS: CompiledRelations = { authors: null, references: [], menus: [], seo: null }

/**
 * Compile the relation keys of a mapping. `compileSource` records a node source path (so the
 * extractor reads its field) and reports a bad one; `problem` reports anything else.
 */
export function compileRelations(
  mapping: SiteMapping,
  compileSource: (text: string, at: (string | number)[]) => SourcePath | null,
  problem: (at: (string | number)[], message: string) => void,
): CompiledRelations {
  let authors: CompiledAuthorRecords | null = null
  const a = mapping.authorRecords
  if (a) {
    const source = compileSource(a.from, ['authorRecords', 'from'])
    if (source && source.kind !== 'node' && source.kind !== 'field') {
      problem(['authorRecords', 'from'], 'use node.uid or a user reference field (field_authors.target_id)')
    }
    if (source?.kind === 'node' && source.column !== 'uid') {
      problem(
        ['authorRecords', 'from'],
        `"${a.from}" is not a user id: use node.uid or a user reference field`,
      )
    }
    let displayName: CompiledAuthorRecords['displayName'] = null
    if (a.displayName !== undefined) {
      const p = parseSourcePath(a.displayName)
      if ('error' in p || p.kind !== 'field' || p.column === null) {
        problem(
          ['authorRecords', 'displayName'],
          `"${a.displayName}": name a field of the user entity and its column, e.g. field_full_name.value`,
        )
      } else displayName = { field: p.field, column: p.column }
    }
    if (source) authors = { source, revision: a.revision, displayName, picture: a.picture }
  }
  const references: CompiledReference[] = []
  for (const [field, kind] of Object.entries(mapping.references)) {
    const source = compileSource(field, ['references', field])
    if (source && source.kind !== 'field') {
      problem(
        ['references', field],
        `"${field}" is not a field: name a reference field such as field_related`,
      )
      continue
    }
    if (source) references.push({ field, kind, source })
  }
  const seo = mapping.seo
    ? { baseUrl: mapping.seo.baseUrl.replace(/\/+$/, ''), siteName: mapping.seo.siteName }
    : null
  return { authors, references, menus: [...new Set(mapping.menus)], seo }
}
