import { describe, expect, it } from 'vitest'
import type { D7DateField } from '../../src/extract/d7-types.js'
import { readDateField, zonedInstant } from '../../src/transform/date-field.js'

const MINUTE = ['year', 'month', 'day', 'hour', 'minute']
const DAY = ['year', 'month', 'day']
const field = (over: Partial<D7DateField>): D7DateField => ({
  type: 'datetime',
  tzHandling: 'site',
  granularity: MINUTE,
  todate: '',
  siteTimeZone: 'Europe/Berlin',
  ...over,
})

// Berlin: summer time began 2023-03-26 at 02:00 (01:00 UTC), ended 2023-10-29 at 03:00 (01:00 UTC).
// New York: began 2023-03-12 at 02:00 (07:00 UTC).
describe('readDateField: what the date module stored, as UTC instants or dates', () => {
  it.each<{
    name: string
    item: Record<string, string | number | null>
    field: D7DateField
    expected: unknown
  }>([
    {
      name: 'datetime, tz utc: stored UTC, shown in UTC',
      item: { value: '2023-10-29 01:30:00' },
      field: field({ tzHandling: 'utc' }),
      expected: { start: '2023-10-29T01:30:00Z', end: null, timeZone: 'UTC' },
    },
    {
      name: 'datetime, tz site: stored UTC, whatever the site zone',
      item: { value: '2023-10-29 00:30:00' },
      field: field({}),
      expected: { start: '2023-10-29T00:30:00Z', end: null, timeZone: 'Europe/Berlin' },
    },
    {
      name: 'datetime, tz user: stored UTC, shown in the site zone',
      item: { value: '2023-07-01 10:00:00' },
      field: field({ tzHandling: 'user' }),
      expected: { start: '2023-07-01T10:00:00Z', end: null, timeZone: 'Europe/Berlin' },
    },
    {
      name: "datetime, tz date: stored UTC, the value's own zone kept, end date across New York's DST start",
      item: { value: '2023-03-12 06:30:00', value2: '2023-03-12 07:30:00', timezone: 'America/New_York' },
      field: field({ tzHandling: 'date', todate: 'required' }),
      expected: { start: '2023-03-12T06:30:00Z', end: '2023-03-12T07:30:00Z', timeZone: 'America/New_York' },
    },
    {
      name: 'tz date with a zone ICU does not know: the site zone',
      item: { value: '2023-03-12 06:30:00', timezone: 'Mars/Olympus' },
      field: field({ tzHandling: 'date' }),
      expected: { start: '2023-03-12T06:30:00Z', end: null, timeZone: 'Europe/Berlin' },
    },
    {
      name: 'date (ISO), tz none: a wall time in the site zone (summer: +02:00)',
      item: { value: '2023-07-01T12:00:00' },
      field: field({ type: 'date', tzHandling: 'none' }),
      expected: { start: '2023-07-01T10:00:00Z', end: null, timeZone: 'Europe/Berlin' },
    },
    {
      name: 'date, tz none, in the hour Berlin skipped (02:30 on 2023-03-26): moved forward to 03:30 CEST',
      item: { value: '2023-03-26T02:30:00' },
      field: field({ type: 'date', tzHandling: 'none' }),
      expected: { start: '2023-03-26T01:30:00Z', end: null, timeZone: 'Europe/Berlin' },
    },
    {
      name: 'date, tz none, in the hour Berlin repeated (02:30 on 2023-10-29): the first, summer-time one',
      item: { value: '2023-10-29T02:30:00', value2: '2023-10-29T03:30:00' },
      field: field({ type: 'date', tzHandling: 'none', todate: 'optional' }),
      expected: { start: '2023-10-29T00:30:00Z', end: '2023-10-29T02:30:00Z', timeZone: 'Europe/Berlin' },
    },
    {
      name: 'datestamp: unix seconds are an instant whatever the handling',
      item: { value: 1698539400, value2: 1698539400 },
      field: field({ type: 'datestamp', tzHandling: 'none', todate: 'optional' }),
      expected: { start: '2023-10-29T00:30:00Z', end: null, timeZone: 'Europe/Berlin' },
    },
    {
      name: "day granularity, tz site: the stored date, never converted (as in core's D7 fixture)",
      item: { value: '2015-01-20 00:00:00', value2: '2015-01-21 00:00:00' },
      field: field({ granularity: DAY, todate: 'optional', siteTimeZone: 'America/Chicago' }),
      expected: { start: '2015-01-20', end: '2015-01-21', timeZone: null },
    },
    {
      name: "day granularity, tz date: the stored date whatever the value's own zone",
      item: { value: '2023-10-28 00:00:00', timezone: 'Asia/Tokyo' },
      field: field({ tzHandling: 'date', granularity: DAY }),
      expected: { start: '2023-10-28', end: null, timeZone: null },
    },
    {
      name: 'day granularity, datestamp: its date in UTC',
      item: { value: 1421712000 },
      field: field({ type: 'datestamp', granularity: DAY, siteTimeZone: 'America/Chicago' }),
      expected: { start: '2015-01-20', end: null, timeZone: null },
    },
    {
      name: 'day granularity, tz none (the fixture deadline): the date as typed',
      item: { value: '2023-10-31T00:00:00' },
      field: field({ type: 'date', tzHandling: 'none', granularity: DAY }),
      expected: { start: '2023-10-31', end: null, timeZone: null },
    },
    {
      name: 'month granularity: parts it lacks are stored as 00',
      item: { value: '2023-10-00T00:00:00' },
      field: field({ type: 'date', tzHandling: 'none', granularity: ['year', 'month'] }),
      expected: { start: '2023-10', end: null, timeZone: null },
    },
    {
      name: 'year granularity',
      item: { value: '2023-00-00 00:00:00' },
      field: field({ tzHandling: 'utc', granularity: ['year'] }),
      expected: { start: '2023', end: null, timeZone: null },
    },
    {
      name: 'no end date in the field: value2 is not read',
      item: { value: '2023-10-29 01:30:00', value2: '2023-10-30 01:30:00' },
      field: field({ tzHandling: 'utc' }),
      expected: { start: '2023-10-29T01:30:00Z', end: null, timeZone: 'UTC' },
    },
    {
      name: 'no value, or a zero date: null',
      item: { value: '0000-00-00 00:00:00' },
      field: field({}),
      expected: null,
    },
  ])('$name', ({ item, field, expected }) => {
    expect(readDateField(item, field)).toEqual(expected)
  })

  it('a value that is not a date rejects the row with the value', () => {
    expect(() => readDateField({ value: 'next Tuesday' }, field({}))).toThrow('not a date: "next Tuesday"')
  })

  it('zonedInstant is the identity in UTC and inverts the offset elsewhere', () => {
    const wall = Date.UTC(2023, 0, 15, 12, 0, 0)
    expect(zonedInstant(wall, 'UTC')).toBe(wall)
    expect(new Date(zonedInstant(wall, 'America/New_York')).toISOString()).toBe('2023-01-15T17:00:00.000Z')
    expect(new Date(zonedInstant(wall, 'Asia/Kolkata')).toISOString()).toBe('2023-01-15T06:30:00.000Z')
  })
})
