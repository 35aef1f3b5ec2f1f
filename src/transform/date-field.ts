import { TransformError } from '../errors.js'
import type { D7DateField, D7Value } from '../extract/d7-types.js'
import { isTimeZone } from '../extract/time-zone.js'

/**
 * A date module value as the article carries it: instants in UTC (`2023-10-29T00:30:00Z`), or the
 * date alone (`2023-10-29`, `2023-10`, `2023`) when the field's granularity has no hour. `timeZone`
 * is the zone Drupal displayed it in (the editor's own with tz_handling `date`), null for dates.
 */
export interface DateFieldValue {
  readonly start: string
  /** value2, when the field has end dates and this value has one other than its start. */
  readonly end: string | null
  readonly timeZone: string | null
}

const STORED = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/

/**
 * Read one date field item the way the date module wrote it. Values are stored in UTC, except with
 * tz_handling `none` (the wall time as typed, no zone: read in the site's zone); datestamps are unix
 * seconds either way. Dates without an hour are never converted between zones (the date module's
 * DateObject leaves them alone): they are the stored date as it is (a datestamp's in UTC), which is
 * what Drupal core's own D7 migration reads from its fixture (field_date_without_time: 2015-01-20).
 *
 * @example readDateField({ value: '2015-01-20 00:00:00' }, { type: 'datetime', tzHandling: 'site',
 *   granularity: ['year', 'month', 'day'], todate: '', siteTimeZone: 'America/Chicago' })
 *   // { start: '2015-01-20', end: null, timeZone: null }
 */
export function readDateField(
  item: Readonly<Record<string, D7Value>>,
  field: D7DateField,
): DateFieldValue | null {
  const hasHour = field.granularity.includes('hour')
  // Without an hour: the stored date, read in UTC and never converted (see above).
  const read = hasHour ? field : { ...field, tzHandling: 'utc' as const }
  const start = instantOf(item.value, read)
  if (start === null) return null
  const own = typeof item.timezone === 'string' && item.timezone !== '' ? item.timezone : null
  const zone =
    field.tzHandling === 'utc'
      ? 'UTC'
      : field.tzHandling === 'date' && own !== null && isTimeZone(own)
        ? own
        : field.siteTimeZone
  const show = (ms: number) => (hasHour ? isoInstant(ms) : isoDate(ms, 'UTC', field.granularity))
  // The date module writes value2 = value when an editor leaves the end date empty.
  const end = field.todate === '' ? null : instantOf(item.value2, read)
  return {
    start: show(start),
    end: end === null || end === start ? null : show(end),
    timeZone: hasHour ? zone : null,
  }
}

/** The instant (ms) of a stored value; null for none (null, '', zero dates). */
function instantOf(v: D7Value | undefined, field: D7DateField): number | null {
  if (v === null || v === undefined || v === '') return null
  if (field.type === 'datestamp' || typeof v === 'number') {
    const n = Number(v)
    if (!Number.isInteger(n)) throw new TransformError(`not a unix time: ${JSON.stringify(v)}`, v)
    return n === 0 ? null : n * 1000
  }
  const m = STORED.exec(v)
  if (!m) throw new TransformError(`not a date: ${JSON.stringify(v)}`, v)
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as number[]
  if (y === 0) return null // MySQL's zero date: no date
  // Coarse granularities store the parts they lack as 00 ('2023-10-00T00:00:00').
  const wall = Date.UTC(y as number, Math.max(1, mo as number) - 1, Math.max(1, d as number), h, mi, s)
  if (Number.isNaN(wall)) throw new TransformError(`not a date: ${JSON.stringify(v)}`, v)
  return field.tzHandling === 'none' ? zonedInstant(wall, field.siteTimeZone) : wall
}

/** ISO 8601 UTC to the second. */
function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The date of `ms` in `zone`, to the granularity's coarsest part: YYYY-MM-DD, YYYY-MM or YYYY. */
function isoDate(ms: number, zone: string, granularity: readonly string[]): string {
  const p = wallParts(ms, zone)
  const ymd = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`
  return granularity.includes('day') ? ymd : granularity.includes('month') ? ymd.slice(0, 7) : ymd.slice(0, 4)
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Wall-clock parts of an instant in a zone (Node's ICU time zone data, no library). */
function wallParts(ms: number, zone: string) {
  let f = formatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(zone, f)
  }
  const out: Record<string, number> = {}
  for (const part of f.formatToParts(new Date(ms)))
    if (part.type !== 'literal') out[part.type] = Number(part.value)
  return {
    year: out.year ?? 0,
    month: out.month ?? 1,
    day: out.day ?? 1,
    hour: out.hour ?? 0,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  }
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +7,200,000). */
function offsetAt(ms: number, zone: string): number {
  const p = wallParts(ms, zone)
  const whole = Math.floor(ms / 1000) * 1000
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole
}

const DAY = 86_400_000

/**
 * The instant a wall time (given as if it were UTC) names in a zone. At DST edges it resolves as
 * PHP's DateTime and Temporal's `compatible` do: a time the clocks skipped (02:30 on a spring-forward
 * night) moves forward by the gap, a time they repeated (02:30 on a fall-back night) is its first,
 * summer-time occurrence.
 */
export function zonedInstant(wall: number, zone: string): number {
  if (zone === 'UTC') return wall
  const before = offsetAt(wall - DAY, zone)
  const after = offsetAt(wall + DAY, zone)
  const valid = [...new Set([before, after])]
    .map((o) => wall - o)
    .filter((t) => wall - offsetAt(t, zone) === t)
  return valid.length > 0 ? Math.min(...valid) : wall - before
}
