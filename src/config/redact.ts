/**
 * Passwords must never reach a log, a report or an error message. A connection URL carries them in
 * its user-info (`//user:secret@host`) and in query parameters (`?password=…`, libpq's
 * `sslpassword`, `sslkey`, `sslcert`, mysql2's `ssl={…}`). Every URL the tool prints or records is
 * masked structurally by `redactUrl` before it is put into a message, a summary or a row — that is
 * what protects a short password such as `2`, which no substring search could remove safely.
 * `redactSecrets` is the last resort for free text (error messages, stacks) only; it never runs
 * over rendered JSON, Markdown or HTML, where replacing a password such as `true` would corrupt the
 * file.
 */

const MASK = '***'

/** A query parameter whose value is a secret (or the path to one) in a libpq or mysql2 URL. */
const SECRET_PARAM = /pass|pwd|secret|token|key|cert|crl|credential/i

/** mysql2's `ssl` parameter: a profile name is harmless, a JSON object can hold keys and passwords. */
const isSecretParam = (name: string, value: string) =>
  SECRET_PARAM.test(name) || (/^ssl$/i.test(name) && /^(?:\{|%7B)/i.test(value))

/** `?a=1&password=x` → `?a=1&password=***` (the other parameters byte for byte). */
function redactQuery(search: string): string {
  if (search.length <= 1) return search
  return `?${search
    .slice(1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq < 0) return pair
      const name = safeDecode(pair.slice(0, eq))
      return isSecretParam(name, pair.slice(eq + 1)) ? `${pair.slice(0, eq + 1)}${MASK}` : pair
    })
    .join('&')}`
}

/**
 * The URL with every secret-bearing part masked: the user-info password and secret query
 * parameters (`postgresql://app:***@host/site?sslmode=require&password=***`).
 */
export function redactUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return redactUrlsInText(url)
  }
  if (u.password) u.password = MASK
  if (u.search) u.search = redactQuery(u.search)
  return u.toString()
}

/** The secrets a connection URL carries (decoded), for `registerSecret`. */
export function secretsOfUrl(url: string): string[] {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return []
  }
  const out: string[] = []
  if (u.password) out.push(safeDecode(u.password))
  for (const [name, value] of u.searchParams) if (isSecretParam(name, value) && value !== '') out.push(value)
  return out
}

const knownSecrets = new Set<string>()

/**
 * Register a secret (a password from a connection URL) so that `redactSecrets` removes it from free
 * text. Secrets shorter than 3 characters are not: removing every `2` from a message would garble it.
 */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 3) knownSecrets.add(secret)
}

// `scheme://user:secret@` and `?password=…`/`&sslkey=…` inside any text.
const USERINFO_IN_TEXT = /(\w+:\/\/[^:/@\s]+):[^@/\s]*@/g
// A value ends before the sentence's punctuation (`…?password=x. Check --target`).
const PARAM_IN_TEXT = /([?&])([^=&#\s"'<>]+)=([^&#\s"'<>]*?)(?=[.,:;!)]*(?:[&#\s"'<>]|$))/g

/** URLs in a text with their secret-bearing parts masked (the structural part of `redactSecrets`). */
export function redactUrlsInText(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text
  return text
    .replace(USERINFO_IN_TEXT, `$1:${MASK}@`)
    .replace(PARAM_IN_TEXT, (whole, sep: string, name: string, value: string) =>
      // A value already masked is left, with what follows it (`?password=***: wrong user`).
      isSecretParam(safeDecode(name), value) && !value.startsWith(MASK) ? `${sep}${name}=${MASK}` : whole,
    )
}

/**
 * Free text meant for a human (an error message, a stack): URLs masked, and registered secrets
 * removed wherever they appear. Not for rendered files: use `redactUrl` on the values first.
 */
export function redactSecrets(text: string): string {
  let out = redactUrlsInText(text)
  for (const s of knownSecrets) out = out.split(s).join(MASK)
  return out
}

/**
 * A copy of a value for a report or a row, with every URL in its strings masked
 * (`redactUrlsInText`): keys, numbers, booleans and the rest of each string untouched.
 */
export function redactValues<T>(value: T): T {
  if (typeof value === 'string') return redactUrlsInText(value) as T
  if (Array.isArray(value)) return value.map(redactValues) as T
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = redactValues(v)
    return out as T
  }
  return value
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
