// D7 media tokens (`[[{"fid":"12",…}]]`, sometimes HTML-escaped): which fids a body refers to, for
// the extractor's file look-ups. The transform that rewrites them is transform/content/media-tokens.ts.

/** True when the text holds at least one media token (escaped or not). */
export function hasMediaTokens(text: string): boolean {
  return text.includes('[[{')
}

/**
 * The fids media tokens in `text` refer to, read loosely (escaped or not, fid as string or number)
 * so the extractor can resolve them with the batch's other files.
 */
export function findMediaTokenFids(text: string): number[] {
  if (!hasMediaTokens(text)) return []
  const out: number[] = []
  for (const m of text.matchAll(/\[\[\{[\s\S]*?\}\]\]/g)) {
    const fid = /(?:"|&quot;|&#34;)fid(?:"|&quot;|&#34;)\s*:\s*(?:"|&quot;|&#34;)?(\d+)/.exec(m[0])?.[1]
    if (fid !== undefined) out.push(Number(fid))
  }
  return out
}
