/**
 * Passwords must never reach a log, a report or an error message. Every URL the tool prints goes
 * through `redactUrl`, and every error message through `redactSecrets`.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')
  }
}

const knownSecrets = new Set<string>()

/** Register a secret (a password from a connection URL) so that `redactSecrets` removes it. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 3) knownSecrets.add(secret)
}

/** Remove registered secrets and URL passwords from any text meant for a human or a file. */
export function redactSecrets(text: string): string {
  let out = text.replace(/(\w+:\/\/[^:/@\s]+):[^@/\s]*@/g, '$1:***@')
  for (const s of knownSecrets) out = out.split(s).join('***')
  return out
}
