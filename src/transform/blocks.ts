import type { D7NodeBundle } from '../extract/d7-types.js'
import type { CompiledValue } from '../mapping/compile.js'
import type { CompiledBlocks } from '../mapping/compile-blocks.js'
import type { Block } from '../model/article.js'

/** Evaluate one compiled value on a node (or an item read as one), as an article attribute is. */
export type EvaluateOn = (value: CompiledValue, view: D7NodeBundle, name: string) => unknown

/**
 * The article's blocks: each field collection or paragraphs item the extractor read, in its order,
 * with its type's mapped attributes evaluated on the item's own fields by the article's machinery
 * (`evaluate`: the same transforms, the node's terms, files and list labels). An item of a type the
 * mapping does not list keeps its place with empty data, and a warning. Pure.
 */
export function blocksOf(
  node: D7NodeBundle,
  config: CompiledBlocks,
  evaluate: EvaluateOn,
  warn: (reason: string) => void,
): Block[] {
  const out: Block[] = []
  const unmapped = new Set<string>()
  for (const [i, b] of (node.blocks ?? []).entries()) {
    const attributes = config.types[b.type]
    if (!attributes) unmapped.add(b.type)
    const data: Record<string, unknown> = {}
    if (attributes) {
      // The item read as a node: its own fields, the node's look-ups (terms, files, labels).
      const view: D7NodeBundle = { ...node, fields: b.fields }
      for (const { name, value } of attributes)
        data[name] = evaluate(value, view, `blocks[${i}].${name}`) ?? null
    }
    out.push({
      entity: b.entity,
      itemId: b.itemId,
      revisionId: b.revisionId,
      field: b.field,
      delta: b.delta,
      parent: b.parent,
      type: b.type,
      data,
    })
  }
  for (const type of unmapped) warn(`block type ${type} is not in blocks.types: its items have no data`)
  const left = node.blocksLeftOut
  if (left && left.archived + left.orphaned > 0) {
    warn(`${left.archived} archived and ${left.orphaned} orphaned item(s) of host fields left out`)
  }
  return out
}
