/**
 * The source tables a mapping involves, the same list for every bench step that reads the source
 * (the read ceiling streams them, pgloader and the mysql_fdw answer copy them).
 */
import { openSourceSession } from '../src/extract/source-session.ts'
import { loadMapping } from '../src/mapping/load-mapping.ts'

/** Every table `dhm migrate` reads with this mapping, from the source check dhm itself runs. */
export async function involvedTables(sourceUrl: string, mappingFile: string): Promise<string[]> {
  const mapping = await loadMapping(mappingFile)
  const session = await openSourceSession(sourceUrl, mapping)
  const { layout } = session
  await session.close()
  return [
    ...new Set([
      'node',
      ...Object.values(layout.fields).map((f) => f.table),
      ...(layout.needsWorkflow ? ['workflow_node'] : []),
      ...(layout.needsPublicationDate ? ['publication_date'] : []),
      ...(layout.needsAliases ? ['url_alias'] : []),
      'taxonomy_term_data',
      'taxonomy_vocabulary',
      'file_managed',
    ]),
  ]
}
