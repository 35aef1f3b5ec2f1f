import { decodeHTML } from 'entities'

/**
 * Per-rule counters for deliberate content changes (media tokens rewritten, links rewritten,
 * markup removed, encodings repaired…), with a few examples each, so a run report can say exactly
 * what the tool changed and why.
 */

/** How many examples a tally keeps per rule. */
export const MAX_EXAMPLES = 5
const EXAMPLE_LENGTH = 160

export interface RuleCount {
  n: number
  /**
   * The first MAX_EXAMPLES examples as the rules gave them. They are shortened (`shorten`) only where
   * a report keeps them: a run keeps 5 per rule in all, not 5 per rule and row.
   */
  examples: string[]
}

/** Rule name → count and examples. */
export type ContentTally = Record<string, RuleCount>

/** Called by content rules for each change they make (or each problem they report). */
export type CountFn = (rule: string, example?: string) => void

/**
 * Links a body keeps because they cannot be resolved: every one is listed in the run report (a
 * row's tally keeps all of their examples, not MAX_EXAMPLES).
 */
export const UNRESOLVED_LINK_RULES: ReadonlySet<string> = new Set([
  'link-missing-node',
  'link-unmigrated',
  'link-without-slug',
  'link-unknown-path',
])

/** Add one occurrence of `rule` to `tally`, keeping the first MAX_EXAMPLES examples as given. */
export function countRule(tally: ContentTally, rule: string, example?: string): void {
  let entry = tally[rule]
  if (entry === undefined) {
    entry = { n: 0, examples: [] }
    tally[rule] = entry
  }
  entry.n++
  if (example !== undefined && (entry.examples.length < MAX_EXAMPLES || UNRESOLVED_LINK_RULES.has(rule)))
    entry.examples.push(example)
}

/** Add every count of `from` into `into`; the examples `into` keeps (MAX_EXAMPLES) are shortened. */
export function mergeTally(into: ContentTally, from: Readonly<ContentTally>): void {
  for (const [rule, { n, examples }] of Object.entries(from)) {
    const entry = into[rule] ?? { n: 0, examples: [] }
    entry.n += n
    for (const e of examples) if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(shorten(e))
    into[rule] = entry
  }
}

// NUL and other control characters are shown escaped in examples.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches
const CONTROL_CHARS = /[\u0000-\u001f]/g

/** A single-line excerpt for reports. */
export function shorten(text: string, max = EXAMPLE_LENGTH): string {
  // Only the start is shown, so only the start is scanned (not a whole body per example); a text
  // that opens with long runs of white space may show less than `max` characters.
  const flat = text
    .slice(0, max * 4)
    .replace(/\s+/g, ' ')
    .replace(CONTROL_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

/**
 * Decode every HTML entity, named (`&eacute;`), numeric, and the legacy ones written without `;`,
 * as a browser does in text (the `entities` package: the decoder htmlparser2 uses).
 */
export function decodeEntities(text: string): string {
  return text.includes('&') ? decodeHTML(text) : text
}
