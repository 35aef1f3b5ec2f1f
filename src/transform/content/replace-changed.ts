/**
 * `text.replace(pattern, replacer)` for a global regex whose replacer often gives a match back as it
 * is (a body's external links, links to files on other hosts): returns `text` itself, not a copy,
 * when no match changed. `String.prototype.replace` builds a new string as soon as anything matched,
 * a few KB per body per rule, and the next rule or `value === original` then reads it again.
 * The replacer gets the match (`m[0]` the whole, `m[1]`… the groups); no `$` patterns.
 */
export function replaceChanged(
  text: string,
  pattern: RegExp,
  replacer: (m: RegExpExecArray) => string,
): string {
  let out = ''
  let from = 0
  let changed = false
  pattern.lastIndex = 0
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const whole = m[0]
    // As replace does: an empty match moves on one code unit.
    if (whole === '') pattern.lastIndex++
    const replaced = replacer(m)
    if (replaced === whole) continue
    out += text.slice(from, m.index) + replaced
    from = m.index + whole.length
    changed = true
  }
  pattern.lastIndex = 0
  return changed ? out + text.slice(from) : text
}
