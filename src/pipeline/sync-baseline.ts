import {
  type BucketChecksums,
  readNewestStamp,
  readPublicationDateChecksums,
} from '../extract/changed-nodes.js'
import type { SourceConnection } from '../extract/source-db.js'
import type { SourceLayout } from '../extract/source-schema.js'
import type { CompiledMapping } from '../mapping/compile.js'
import { readSideState, type SideState } from './side-changes.js'

/**
 * What a pass over every node of the mapping (a full sync, a whole `dhm migrate`) leaves for the
 * next incremental sync to compare with, read in the pass's own snapshot: the newest node.changed /
 * workflow stamp (the high-water mark before capping at the source's clock), the publication_date
 * checksums and the side tables' state. Recorded by the same run as the articles it describes, so
 * an edit made after that snapshot (an alias, a user, a list label) differs from it, and one made
 * before is already in the target.
 */
export interface SyncBaseline {
  readonly newestStamp: number | null
  readonly checksums: BucketChecksums | null
  readonly side: SideState
}

export async function readSyncBaseline(
  conn: SourceConnection,
  mapping: CompiledMapping,
  layout: SourceLayout,
  sourceUrl: string,
  /** When the snapshot opened, by the source's clock (SourceSession.openedAt). */
  openedAt: number,
): Promise<SyncBaseline> {
  return {
    newestStamp: await readNewestStamp(conn, mapping, layout, sourceUrl),
    checksums: layout.needsPublicationDate ? await readPublicationDateChecksums(conn, sourceUrl) : null,
    side: await readSideState(conn, mapping, layout, sourceUrl, openedAt),
  }
}
