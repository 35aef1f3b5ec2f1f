import type { SourceInventory } from '../extract/inspect-source.js'

/** `dhm inspect` for people: one block per bundle, then vocabularies, languages, formats, modules. */
export function renderInventory(inv: SourceInventory, database: string): string {
  const out: string[] = [
    `Drupal 7 database ${database}${inv.tablePrefix ? `, table prefix ${inv.tablePrefix}` : ''}`,
  ]
  // One database holding several sites (settings.php's prefix): each one, then the one described.
  if (inv.sites.length > 1 || inv.tablePrefix) {
    out.push('', 'Sites (table prefix: nodes; bundles)')
    for (const s of inv.sites) {
      const here = s.prefix === inv.tablePrefix ? '  <- described below' : ''
      out.push(
        `  ${(s.prefix || '(none)').padEnd(16)} ${s.nodes} nodes; ${s.bundles.map((b) => `${b.type} ${b.nodes}`).join(', ') || 'no nodes'}${here}`,
      )
    }
    out.push('  Another site: dhm inspect --table-prefix PREFIX')
  }
  out.push('', 'Bundles (nodes: published / unpublished)')
  for (const b of inv.bundles) {
    const undeclared = b.declared ? '' : ' (no node_type row: the type was deleted or its module removed)'
    out.push(
      `  ${b.type} "${b.name}"${undeclared}: ${b.nodes} nodes (${b.published} published / ${b.unpublished} not)`,
    )
    for (const f of b.fields) {
      const card = f.cardinality === -1 ? 'unlimited' : String(f.cardinality)
      const extra = [
        f.translatable ? 'translatable' : null,
        f.vocabulary ? `vocabulary ${f.vocabulary}` : null,
      ].filter(Boolean)
      out.push(
        `    ${f.name.padEnd(28)} ${f.type.padEnd(24)} cardinality ${card.padEnd(9)} columns ${f.columns.join(', ')}; ${f.rows} rows (${f.hasRevisionTable ? `${f.revisionRows} revision rows` : `no table field_revision_${f.name}`})${extra.length ? `; ${extra.join(', ')}` : ''}`,
      )
    }
    const s = b.bodies
    if (s) {
      const hosts = s.hosts
        .map((h) => `${h.host} ${h.links}${h.internal > 0 ? ' (old site)' : ''}`)
        .join(', ')
      out.push(
        `    ${s.field} in the newest ${s.sampled} nodes: ${s.nodeLinks} link to node/N, ${s.aliasLinks} to aliases, ` +
          `${s.filePaths} to files, ${s.mediaTokens} with media tokens; hosts linked: ${hosts || 'none'}`,
      )
    }
  }
  out.push('', 'Vocabularies (terms)')
  for (const v of inv.vocabularies) out.push(`  ${v.machineName} "${v.name}": ${v.terms}`)
  out.push(
    '',
    `Languages (nodes): ${inv.languages.map((l) => `${l.language} ${l.nodes}`).join(', ') || 'none'}`,
    `Translation sets (tnid): ${inv.translations.sets} sets, ${inv.translations.translatedNodes} translation nodes`,
    `Text formats (uses): ${inv.textFormats.map((f) => `${f.format}${f.name ? ` "${f.name}"` : ''} ${f.uses}`).join(', ') || 'none'}`,
    `URL aliases of nodes: ${inv.aliases.rows} (${inv.aliases.nodesWithSeveral} nodes with several)`,
    '',
    'Modules whose storage matters',
  )
  for (const m of inv.modules) {
    const state = !m.present ? 'not installed' : m.enabled ? 'enabled' : 'installed, disabled'
    out.push(`  ${m.name.padEnd(20)} ${state}${m.schemaVersion ? ` (schema ${m.schemaVersion})` : ''}`)
  }
  return `${out.join('\n')}\n`
}
