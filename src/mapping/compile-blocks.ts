import type { CompiledValue } from './compile.js'

/**
 * Field collections and paragraphs as blocks (mapping key `blocks`), compiled: the host fields and,
 * per item type, its block attributes with the same compiled values as an article's attributes (the
 * transformer evaluates them with the same machinery, on the item's own fields).
 */
export interface CompiledBlocks {
  /** Host fields (of the node or of an item), in mapping order. */
  readonly hosts: readonly string[]
  /** Item type (paragraphs bundle, field collection field name) → its attributes in mapping order. */
  readonly types: Readonly<Record<string, readonly CompiledBlockAttribute[]>>
  /**
   * Fields only items read (never a node): the extractor reads them for items, not for nodes.
   * Host fields are read for both (a host of a nested item may also hang off a node).
   */
  readonly itemOnlyFields: readonly string[]
  /** Every field an item may hold that blocks read: the types' fields and the hosts. */
  readonly itemFields: readonly string[]
}

export interface CompiledBlockAttribute {
  readonly name: string
  readonly value: CompiledValue
}
