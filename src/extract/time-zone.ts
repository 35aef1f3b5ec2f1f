const known = new Map<string, boolean>()

/**
 * Whether Node's time zone database (ICU) knows `zone`, an IANA name such as Europe/Berlin: what
 * Drupal stores in date_default_timezone and the date module's `<field>_timezone` columns.
 */
export function isTimeZone(zone: string): boolean {
  let ok = known.get(zone)
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone })
      ok = true
    } catch (error) {
      if (!(error instanceof RangeError)) throw error
      ok = false
    }
    known.set(zone, ok)
  }
  return ok
}
