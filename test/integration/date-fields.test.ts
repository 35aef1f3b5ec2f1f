// Date module fields (issue #21 item 8): each field type (datetime, datestamp, date) and each
// tz_handling (utc, site, user, date, none), with end dates, granularities without an hour and
// values on Berlin's DST edges, planted with plain SQL on a `standard` fixture whose site time zone
// (variable date_default_timezone) is Europe/Berlin. Expected values are literals.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { type PhpValue, phpSerialize } from '../../src/fixture/php-serialize.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runSync } from '../../src/pipeline/run-sync.js'
import { runVerify } from '../../src/pipeline/run-verify.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaQuery,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'

const mariaDb = uniqueName('dates_src')
const pgDb = uniqueName('dates_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let dir = ''
let mapping = ''

const MINUTE = { year: 'year', month: 'month', day: 'day', hour: 'hour', minute: 'minute', second: 0 }
const DAY = { year: 'year', month: 'month', day: 'day', hour: 0, minute: 0, second: 0 }

interface DateFieldDef {
  readonly name: string
  readonly type: 'datetime' | 'datestamp' | 'date'
  readonly settings: { [key: string]: PhpValue }
  /** Extra columns beyond value: value2, timezone… with their DDL. */
  readonly columns: readonly (readonly [string, string])[]
}

const VALUE_DDL = {
  datetime: 'datetime DEFAULT NULL',
  datestamp: 'int(11) DEFAULT NULL',
  date: 'varchar(20) DEFAULT NULL',
}

const FIELDS: readonly DateFieldDef[] = [
  {
    name: 'field_when_utc',
    type: 'datetime',
    settings: { tz_handling: 'utc', granularity: MINUTE, todate: '' },
    columns: [],
  },
  {
    name: 'field_when_site',
    type: 'datetime',
    settings: { tz_handling: 'site', granularity: MINUTE, todate: 'optional' },
    columns: [['value2', VALUE_DDL.datetime]],
  },
  {
    name: 'field_when_date',
    type: 'datetime',
    settings: { tz_handling: 'date', granularity: MINUTE, todate: 'required' },
    columns: [
      ['value2', VALUE_DDL.datetime],
      ['timezone', 'varchar(50) DEFAULT NULL'],
      ['offset', 'int(11) DEFAULT NULL'],
      ['offset2', 'int(11) DEFAULT NULL'],
    ],
  },
  {
    name: 'field_when_stamp',
    type: 'datestamp',
    settings: { tz_handling: 'user', granularity: MINUTE, todate: '' },
    columns: [],
  },
  {
    name: 'field_when_iso',
    type: 'date',
    settings: { tz_handling: 'none', granularity: MINUTE, todate: 'optional' },
    columns: [['value2', VALUE_DDL.date]],
  },
  {
    name: 'field_when_day',
    type: 'datetime',
    settings: { tz_handling: 'site', granularity: DAY, todate: '' },
    columns: [],
  },
]

/** Per planted node: field → its stored columns (value first), and the article's expected extra. */
const CASES: readonly {
  readonly values: Readonly<Record<string, readonly (string | number | null)[]>>
  readonly expected: Readonly<Record<string, unknown>>
}[] = [
  {
    // Berlin's fall-back night, 2023-10-29: 03:00 CEST became 02:00 CET at 01:00 UTC.
    values: {
      field_when_utc: ['2023-10-29 01:30:00'],
      field_when_site: ['2023-10-29 00:30:00', '2023-10-29 01:30:00'],
      field_when_date: ['2023-10-29 00:30:00', '2023-10-29 02:00:00', 'Europe/Berlin', 7200, 3600],
      field_when_stamp: [1698539400],
      field_when_iso: ['2023-10-29T02:30:00', '2023-10-29T03:30:00'],
      field_when_day: ['2023-10-28 22:00:00'],
    },
    expected: {
      whenUtc: { start: '2023-10-29T01:30:00Z', end: null, timeZone: 'UTC' },
      whenSite: { start: '2023-10-29T00:30:00Z', end: '2023-10-29T01:30:00Z', timeZone: 'Europe/Berlin' },
      whenDate: { start: '2023-10-29T00:30:00Z', end: '2023-10-29T02:00:00Z', timeZone: 'Europe/Berlin' },
      whenStamp: { start: '2023-10-29T00:30:00Z', end: null, timeZone: 'Europe/Berlin' },
      // 02:30 happened twice: its first (summer-time) occurrence; 03:30 is CET.
      whenIso: { start: '2023-10-29T00:30:00Z', end: '2023-10-29T02:30:00Z', timeZone: 'Europe/Berlin' },
      // A date without an hour is never converted between zones: the stored date.
      whenDay: { start: '2023-10-28', end: null, timeZone: null },
    },
  },
  {
    // Berlin's spring-forward night, 2023-03-26 (02:00 CET → 03:00 CEST), and New York's zone.
    values: {
      field_when_utc: ['2023-03-26 02:30:00'],
      field_when_site: ['2023-03-26 01:30:00', '2023-03-26 01:30:00'],
      field_when_date: ['2023-03-12 06:30:00', '2023-03-12 07:30:00', 'America/New_York', -18000, -14400],
      field_when_stamp: [0],
      field_when_iso: ['2023-03-26T02:30:00', null],
      field_when_day: ['2023-03-25 23:00:00'],
    },
    expected: {
      whenUtc: { start: '2023-03-26T02:30:00Z', end: null, timeZone: 'UTC' },
      // value2 = value: the date module's way of saying "no end date".
      whenSite: { start: '2023-03-26T01:30:00Z', end: null, timeZone: 'Europe/Berlin' },
      whenDate: { start: '2023-03-12T06:30:00Z', end: '2023-03-12T07:30:00Z', timeZone: 'America/New_York' },
      whenStamp: null,
      // 02:30 did not exist that night: it moves forward to 03:30 CEST.
      whenIso: { start: '2023-03-26T01:30:00Z', end: null, timeZone: 'Europe/Berlin' },
      whenDay: { start: '2023-03-25', end: null, timeZone: null },
    },
  },
]

const EXTRA_OF: Readonly<Record<string, string>> = {
  field_when_utc: 'whenUtc',
  field_when_site: 'whenSite',
  field_when_date: 'whenDate',
  field_when_stamp: 'whenStamp',
  field_when_iso: 'whenIso',
  field_when_day: 'whenDay',
}

async function plantDateFields(): Promise<number[]> {
  const sql = (text: string, params: unknown[] = []) => mariaQuery(sourceUrl, text, params)
  await sql('CREATE TABLE variable (name varchar(128) NOT NULL, value longblob NOT NULL, PRIMARY KEY (name))')
  await sql('INSERT INTO variable VALUES (?, ?), (?, ?)', [
    'date_default_timezone',
    phpSerialize('Europe/Berlin'),
    'site_name',
    phpSerialize('Dates'),
  ])
  const [maxId] = await mariaQuery<{ id: number }>(sourceUrl, 'SELECT MAX(id) AS id FROM field_config')
  let id = Number(maxId?.id)
  for (const f of FIELDS) {
    id += 1
    const columns = [['value', VALUE_DDL[f.type]] as const, ...f.columns]
    for (const kind of ['data', 'revision']) {
      await sql(
        `CREATE TABLE field_${kind}_${f.name} (entity_type varchar(128) NOT NULL DEFAULT '', bundle varchar(128) NOT NULL DEFAULT '',
           deleted tinyint NOT NULL DEFAULT 0, entity_id int unsigned NOT NULL, revision_id int unsigned NOT NULL,
           language varchar(32) NOT NULL DEFAULT '', delta int unsigned NOT NULL,
           ${columns.map(([c, ddl]) => `${f.name}_${c} ${ddl}`).join(', ')},
           PRIMARY KEY (entity_type, entity_id, revision_id, deleted, delta, language))`,
      )
    }
    const data = phpSerialize({ translatable: '0', settings: { ...f.settings, repeat: 0 } })
    await sql(
      `INSERT INTO field_config (id, field_name, type, module, active, storage_type, storage_module, storage_active,
         locked, data, cardinality, translatable, deleted) VALUES (?, ?, ?, 'date', 1, 'field_sql_storage', 'field_sql_storage', 1, 0, ?, 1, 0, 0)`,
      [id, f.name, f.type, data],
    )
    await sql(
      `INSERT INTO field_config_instance (field_id, field_name, entity_type, bundle, data, deleted)
       VALUES (?, ?, 'node', 'article', ?, 0)`,
      [id, f.name, phpSerialize({ label: f.name, settings: [] })],
    )
  }
  const nodes = await mariaQuery<{ nid: number; vid: number }>(
    sourceUrl,
    "SELECT nid, vid FROM node WHERE type = 'article' AND (tnid = 0 OR tnid = nid) ORDER BY nid LIMIT ?",
    [CASES.length],
  )
  for (const [i, c] of CASES.entries()) {
    const node = nodes[i]
    if (!node) throw new Error('the fixture has too few articles')
    for (const f of FIELDS) {
      const values = c.values[f.name] ?? []
      const columns = ['value', ...f.columns.map(([col]) => col)].map((col) => `${f.name}_${col}`)
      for (const kind of ['data', 'revision']) {
        await sql(
          `INSERT INTO field_${kind}_${f.name} (entity_type, bundle, deleted, entity_id, revision_id, language, delta, ${columns.join(', ')})
           VALUES ('node', 'article', 0, ?, ?, 'und', 0, ?)`,
          [node.nid, node.vid, values],
        )
      }
    }
  }
  return nodes.map((n) => n.nid)
}

let planted: number[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dhm-dates-test-'))
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 12, profile: 'standard' })
  planted = await plantDateFields()
  targetUrl = await createPgDb(pgDb)
  const base = await readFile('mappings/drupal7-standard.yaml', 'utf8')
  mapping = join(dir, 'dates.yaml')
  const extra = Object.entries(EXTRA_OF)
    .map(([field, key]) => `  extra.${key}: { from: ${field}, using: [first, date-field] }\n`)
    .join('')
  await writeFile(mapping, base.replace('fields:\n', `fields:\n${extra}`))
}, 120_000)

afterAll(async () => {
  await dropMariaDb(mariaDb)
  await dropPgDb(pgDb)
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('date module fields, read as they are stored', () => {
  it('migrate gives UTC instants (or dates) per type and tz_handling, end dates included, DST edges resolved', async () => {
    const run = await runMigration({
      mapping: await loadMapping(mapping),
      mappingFile: mapping,
      sourceUrl,
      targetUrl,
      batchSize: 8,
      reportsDir: dir,
    })
    expect(run.summary.rejected).toBe(0)
    const rows = await pgQuery<{ nid: number; extra: Record<string, unknown> }>(
      targetUrl,
      "SELECT legacy_nid AS nid, document->'extra' AS extra FROM article WHERE legacy_nid = ANY($1::int[]) ORDER BY legacy_nid",
      [planted],
    )
    expect(rows.map((r) => r.extra)).toEqual(CASES.map((c) => c.expected))
    // Articles without date values get null, not a guess.
    const [other] = await pgQuery<{ extra: Record<string, unknown> }>(
      targetUrl,
      "SELECT document->'extra' AS extra FROM article WHERE NOT legacy_nid = ANY($1::int[]) LIMIT 1",
      [planted],
    )
    expect(other?.extra).toEqual(Object.fromEntries(Object.values(EXTRA_OF).map((k) => [k, null])))
  })

  it('verify finds the target equal to the source', async () => {
    const r = await runVerify({
      mapping: await loadMapping(mapping),
      mappingFile: mapping,
      sourceUrl,
      targetUrl,
      reportsDir: dir,
    })
    expect(r.report.differencesTotal).toBe(0)
  })

  it('a changed site time zone is a difference verify reports (tz none values move)', async () => {
    await mariaQuery(sourceUrl, "UPDATE variable SET value = ? WHERE name = 'date_default_timezone'", [
      phpSerialize('UTC'),
    ])
    const r = await runVerify({
      mapping: await loadMapping(mapping),
      mappingFile: mapping,
      sourceUrl,
      targetUrl,
      reportsDir: dir,
    })
    // Only the planted nodes have tz-none (whenIso) or site-zone values that change.
    expect(r.report.differencesTotal).toBe(planted.length)
    await mariaQuery(sourceUrl, "UPDATE variable SET value = ? WHERE name = 'date_default_timezone'", [
      phpSerialize('Europe/Berlin'),
    ])
  })

  it('a sync after the site time zone changed reads everything once and carries it; the next sync is incremental', async () => {
    const sync = async () =>
      runSync({
        mapping: await loadMapping(mapping),
        mappingFile: mapping,
        sourceUrl,
        targetUrl,
        batchSize: 8,
        reportsDir: dir,
      })
    // Nothing changed since the migrate (which recorded the settings): incremental.
    expect((await sync()).fullReason).toBeNull()
    await mariaQuery(sourceUrl, "UPDATE variable SET value = ? WHERE name = 'date_default_timezone'", [
      phpSerialize('UTC'),
    ])
    try {
      // No node was saved: only the settings comparison can bring the articles in.
      const changed = await sync()
      expect(changed.fullReason).toMatch(
        /date fields' settings or the site's time zone changed since the last (sync|migrate) \(run \d+\)/,
      )
      expect(changed.counts.updated).toBe(planted.length)
      const verify = await runVerify({
        mapping: await loadMapping(mapping),
        mappingFile: mapping,
        sourceUrl,
        targetUrl,
        reportsDir: dir,
      })
      expect(verify.report.differencesTotal).toBe(0)
      const again = await sync()
      expect(again.fullReason).toBeNull()
      expect(again.counts.updated).toBe(0)
    } finally {
      await mariaQuery(sourceUrl, "UPDATE variable SET value = ? WHERE name = 'date_default_timezone'", [
        phpSerialize('Europe/Berlin'),
      ])
    }
  })
})
