// `dhm files` against real databases and real stores: a generated fixture site with its files on
// disk (some missing on purpose, awkward names), migrated into Postgres, then copied to a folder and
// to an S3 API server (s3rver) started here. Expectations come from the files on disk and the
// fixture's own list of files it left out, never from dhm's inventory code.

import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { filesNoteAfterSync } from '../../src/files/manifest.js'
import { runFiles } from '../../src/files/run-files.js'
import {
  type FixtureFilesSummary,
  png as pngBytes,
  writeFixtureFiles,
} from '../../src/fixture/fixture-files.js'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import { runSync } from '../../src/pipeline/run-sync.js'
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
import { startDhm } from '../helpers/dhm-process.js'
import { connectMaria, renameTerm, replaceFile, rows } from '../helpers/drupal-edits.js'

const MAPPING_FILE = 'mappings/bne.yaml'
const mariaDb = uniqueName('files_src')
const pgDb = uniqueName('files_dst')
const sourceUrl = mariaUrl(mariaDb)
let targetUrl = ''
let work = ''
let fromDir = ''
let fixtureFiles: FixtureFilesSummary
/** What the first dry run into a folder said it would copy, in bytes (checked against the real copy). */
let dryRunBytes = -1

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

async function files(to: string, extra: Partial<Parameters<typeof runFiles>[0]> = {}) {
  return runFiles({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    from: fromDir,
    to,
    dryRun: false,
    concurrency: 3,
    reportsDir: join(work, 'reports'),
    retry: { attempts: 2, baseMs: 10 },
    ...extra,
  })
}

interface StoredRow {
  uri: string
  stored_key: string | null
  status: string
  sha256: string | null
  size: string | null
}

/** The files runs in migration_run, oldest first. */
const filesRuns = () =>
  pgQuery<{ id: number; status: string }>(
    targetUrl,
    "SELECT id, status FROM migration_run WHERE command = 'files' ORDER BY id",
  )

const manifest = () =>
  pgQuery<StoredRow>(targetUrl, 'SELECT uri, stored_key, status, sha256, size FROM stored_file ORDER BY uri')

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dhm-files-'))
  fromDir = join(work, 'from')
  await generateFixture({ url: MARIADB_SERVER, database: mariaDb, articles: 150, seed: 11 })
  fixtureFiles = await writeFixtureFiles(sourceUrl, fromDir)
  targetUrl = await createPgDb(pgDb)
  await runMigration({
    mapping: await loadMapping(MAPPING_FILE),
    mappingFile: MAPPING_FILE,
    sourceUrl,
    targetUrl,
    reportsDir: join(work, 'reports'),
  })
})

afterAll(async () => {
  await dropPgDb(pgDb)
  await dropMariaDb(mariaDb)
  if (work) await rm(work, { recursive: true, force: true })
})

describe('dhm files into a folder', () => {
  const to = () => join(work, 'to-dir')

  it('dry run: lists what it would copy and what is missing, writes nothing', async () => {
    const before = await pgQuery(targetUrl, "SELECT to_regclass('stored_file') IS NOT NULL AS ok")
    const r = await files(to(), { dryRun: true })
    expect(r.summary.missing).toBeGreaterThan(0)
    expect(r.summary.copied + r.summary.missing).toBe(r.summary.files)
    expect(r.exitCode).toBe(3)
    dryRunBytes = r.summary.bytes
    await expect(stat(to())).rejects.toMatchObject({ code: 'ENOENT' })
    if (before[0]?.ok) expect(await manifest()).toEqual([])
  })

  it('copies every referenced file once, byte for byte, and reports the missing ones (exit 3)', async () => {
    const r = await files(to())
    expect(r.exitCode).toBe(3)
    expect(r.summary.failed).toBe(0)
    expect(r.summary.copied + r.summary.missing).toBe(r.summary.files)
    const rows = await manifest()
    const copied = rows.filter((m) => m.status === 'copied')
    expect(copied.length).toBe(r.summary.copied)
    let bytes = 0
    for (const row of copied) {
      const original = await readFile(join(fromDir, row.uri.replace(/^public:\/\//, '')))
      const stored = await readFile(join(to(), row.stored_key ?? ''))
      expect(sha256(stored), row.uri).toBe(sha256(original))
      expect(row.sha256).toBe(sha256(original))
      bytes += original.length
    }
    expect(r.summary.bytes).toBe(bytes)
    // The dry run before said these bytes (it said 0 B).
    expect(dryRunBytes).toBe(bytes)
    // Missing: exactly the referenced files the fixture left out.
    const missing = rows.filter((m) => m.status === 'missing').map((m) => m.uri)
    expect(missing.length).toBe(r.summary.missing)
    for (const uri of missing) expect(fixtureFiles.missing).toContain(uri)
    expect(
      r.outcomes
        .filter((o) => o.status === 'missing')
        .map((o) => o.uri)
        .sort(),
    ).toEqual(missing.sort())
    const report = JSON.parse(await readFile(join(r.reportDir, 'report.json'), 'utf8'))
    expect(report.summary).toEqual(r.summary)
    expect(await readFile(join(r.reportDir, 'report.md'), 'utf8')).toContain(missing[0])
    expect(await readFile(join(r.reportDir, 'report.html'), 'utf8')).toContain('<td>missing</td>')
  })

  it('stores awkward names under normalised keys and keeps the original in the manifest', async () => {
    const rows = await manifest()
    const awkward = rows.filter((m) => m.uri.includes('/awkward/'))
    const keyOf = (name: string) => awkward.find((m) => m.uri.includes(name))?.stored_key
    expect(keyOf('Photo with spaces')).toBe('images/awkward/Photo-with-spaces-1.jpg')
    expect(keyOf('100% growth')).toBe('images/awkward/100-growth-more.jpg')
    expect(keyOf('Cafe\u0301')).toBe('images/awkward/Caf\u00e9-Z\u00fcrich-\u00dcn\u00efc\u00f6d\u00e9.jpg')
    expect(keyOf('üüü')).toMatch(/^images\/awkward\/ü{90,}-[0-9a-f]{8}\.jpg$/)
    expect(awkward.map((m) => m.status)).toEqual(['copied', 'copied', 'copied', 'copied'])
  })

  it('a second run copies nothing: every file is there with the same size and checksum', async () => {
    const before = await manifest()
    const r = await files(to())
    expect(r.summary).toMatchObject({ copied: 0, failed: 0, bytes: 0 })
    expect(r.summary.skipped).toBe(before.filter((m) => m.status === 'copied').length)
    expect(await manifest()).toEqual(before)
  })

  it('a --from folder that does not exist is a usage error, not every file missing', async () => {
    const from = join(work, 'no-such-folder')
    await expect(files(to(), { from })).rejects.toThrow(
      `--from ${from}: no such folder; give the old site's files folder (e.g. /var/www/drupal/sites/default/files) or its http(s) URL`,
    )
  })

  it('a --from naming a file says so (it said "no such folder")', async () => {
    const file = join(work, 'a-from-file')
    await writeFile(file, 'not a folder')
    await expect(files(to(), { from: file, dryRun: true })).rejects.toThrow(
      `--from ${file}: a file, not a folder; give the old site's files folder`,
    )
  })

  it.each([
    { name: 'a --to under a file', dryRun: false },
    { name: 'a --to under a file, dry run', dryRun: true },
  ])(
    '$name is a usage error before the first file, not one ENOTDIR crash or failure per file',
    async ({ dryRun }) => {
      const file = join(work, 'a-file')
      await writeFile(file, 'not a folder')
      const target = join(file, 'store')
      await expect(files(target, { dryRun })).rejects.toThrow(
        `--to ${target}: cannot write there (${file} is a file, not a folder); give a folder dhm can create or write to, or s3://bucket/prefix`,
      )
    },
  )
})

describe('dhm files into S3 (s3rver on 127.0.0.1)', () => {
  let server: S3rver
  let endpoint = ''
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

  beforeAll(async () => {
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      directory: join(work, 's3rver'),
      silent: true,
      configureBuckets: [{ name: 'media' }],
    })
    const { port } = await server.run()
    endpoint = `http://127.0.0.1:${port}`
  })
  afterAll(async () => {
    await server?.close()
  })

  it('uploads each file (multipart above 8 MB), checks size and ETag, and skips them on a second run', async () => {
    const pdfs = await pgQuery<{ uri: string }>(
      targetUrl,
      "SELECT document->'pdf'->'file'->>'uri' AS uri FROM article WHERE document->'pdf'->'file' IS NOT NULL ORDER BY legacy_nid",
    )
    const big = pdfs.find((p) => !fixtureFiles.missing.includes(p.uri))
    expect(big).toBeDefined()
    const bigPath = join(fromDir, (big?.uri ?? '').replace(/^public:\/\//, ''))
    const original = await readFile(bigPath)
    const large = Buffer.alloc(9 * 1024 * 1024 + 123)
    for (let i = 0; i < large.length; i += 4096) large.writeUInt32BE(i, i)
    await writeFile(bigPath, large)
    // A fresh manifest: the folder test's rows would make every file "already there".
    await pgQuery(targetUrl, 'DELETE FROM stored_file')
    try {
      const s3 = { endpoint, credentials, region: 'us-east-1' }
      const r = await files('s3://media/site-files', { s3 })
      expect(r.outcomes.filter((o) => o.status === 'failed')).toEqual([])
      expect(r.summary.copied).toBeGreaterThan(0)
      const client = new S3Client({ endpoint, credentials, region: 'us-east-1', forcePathStyle: true })
      for (const row of (await manifest()).filter((m) => m.status === 'copied')) {
        const got = await client.send(
          new GetObjectCommand({ Bucket: 'media', Key: `site-files/${row.stored_key}` }),
        )
        const body = Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array()))
        const source = await readFile(join(fromDir, row.uri.replace(/^public:\/\//, '')))
        expect(sha256(body), row.uri).toBe(sha256(source))
      }
      client.destroy()
      const again = await files('s3://media/site-files', { s3 })
      expect(again.summary).toMatchObject({ copied: 0, skipped: r.summary.copied, failed: 0 })
    } finally {
      await writeFile(bigPath, original)
    }
  })
})

describe('dhm files killed with SIGKILL mid-copy', () => {
  let http: Server
  let base = ''
  /** Requests for this path send half the file, then hang. */
  let stallPath: string | null = null
  let stalled: () => void = () => undefined
  let stalledOnce = new Promise<void>((resolve) => {
    stalled = resolve
  })

  beforeAll(async () => {
    http = createServer(async (req, res) => {
      const path = decodeURIComponent((req.url ?? '/').slice(1))
      const body = await readFile(join(fromDir, path)).catch(() => null)
      if (!body) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-length': body.length })
      if (path === stallPath) {
        res.write(body.subarray(0, body.length >> 1))
        stalled()
        return
      }
      res.end(body)
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    http.closeAllConnections()
    await new Promise((resolve) => http.close(resolve))
  })

  it('a dry run from the web server reports the bytes it would copy (HEAD Content-Length), as from the folder', async () => {
    const to = join(work, 'to-http-dry')
    const r = await files(to, { from: base, dryRun: true })
    expect(r.summary.bytes).toBeGreaterThan(0)
    expect(r.summary.bytes).toBe((await files(to, { dryRun: true })).summary.bytes)
  })

  it('resumes without recopying what finished, and never marks the partial file copied', async () => {
    await pgQuery(targetUrl, 'DELETE FROM stored_file')
    const to = join(work, 'to-kill')
    // The 40th present image in copy order (fid order) stalls: earlier ones are done by then.
    const images = await pgQuery<{ uri: string }>(
      targetUrl,
      `SELECT DISTINCT (document->'image'->'file'->>'fid')::int AS fid, document->'image'->'file'->>'uri' AS uri
       FROM article WHERE document->'image'->'file' IS NOT NULL ORDER BY 1`,
    )
    const stallUri = images.map((i) => i.uri).filter((u) => !fixtureFiles.missing.includes(u))[39] ?? ''
    expect(stallUri).toMatch(/^public:\/\//)
    stallPath = stallUri.slice('public://'.length)
    const args = [
      'files',
      '--mapping',
      MAPPING_FILE,
      '--source',
      sourceUrl,
      '--target',
      targetUrl,
      '--from',
      base,
      '--to',
      to,
      '--concurrency',
      '1',
      '--quiet',
      '--reports-dir',
      join(work, 'reports'),
    ]
    const first = startDhm(args)
    await stalledOnce
    first.child.kill('SIGKILL')
    const killed = await first.done
    expect(killed.signal).toBe('SIGKILL')
    const killedRun = (await filesRuns()).at(-1)
    expect(killedRun?.status).toBe('running')

    const afterKill = await manifest()
    const copiedBefore = afterKill.filter((m) => m.status === 'copied')
    expect(copiedBefore.length).toBeGreaterThan(0)
    const stalledRow = afterKill.find((m) => m.uri === stallUri)
    expect(stalledRow?.status).toBe('pending')
    await expect(stat(join(to, stalledRow?.stored_key ?? ''))).rejects.toMatchObject({ code: 'ENOENT' })

    stallPath = null
    const second = await startDhm([...args.filter((a) => a !== '--quiet'), '--json']).done
    expect(second.code).toBe(3)
    const summary = JSON.parse(second.stdout)
    expect(Object.keys(summary)).toEqual([
      'files',
      'copied',
      'skipped',
      'missing',
      'failed',
      'bytes',
      'seconds',
    ])
    expect(summary.skipped).toBe(copiedBefore.length)
    expect(summary.copied + summary.skipped + summary.missing).toBe(summary.files)
    const final = await manifest()
    expect(final.find((m) => m.uri === stallUri)?.status).toBe('copied')
    for (const row of copiedBefore) expect(final.find((m) => m.uri === row.uri)).toEqual(row)
    // The killed run no longer shows as running: the next files run marked it (it stayed running).
    const runs = await filesRuns()
    expect(runs.find((r) => r.id === killedRun?.id)?.status).toBe('interrupted')
    expect(runs.at(-1)?.status).toBe('succeeded')
  })

  it('Ctrl-C (SIGINT) mid-copy exits 1 saying a rerun resumes (it exited 130 without a word)', async () => {
    await pgQuery(targetUrl, 'DELETE FROM stored_file')
    const images = await pgQuery<{ uri: string }>(
      targetUrl,
      `SELECT DISTINCT (document->'image'->'file'->>'fid')::int AS fid, document->'image'->'file'->>'uri' AS uri
       FROM article WHERE document->'image'->'file' IS NOT NULL ORDER BY 1`,
    )
    const stallUri = images.map((i) => i.uri).filter((u) => !fixtureFiles.missing.includes(u))[9] ?? ''
    stallPath = stallUri.slice('public://'.length)
    stalledOnce = new Promise<void>((resolve) => {
      stalled = resolve
    })
    const run = startDhm([
      'files',
      '--mapping',
      MAPPING_FILE,
      '--source',
      sourceUrl,
      '--target',
      targetUrl,
      '--from',
      base,
      '--to',
      join(work, 'to-sigint'),
      '--concurrency',
      '1',
      '--quiet',
      '--reports-dir',
      join(work, 'reports'),
    ])
    await stalledOnce
    run.child.kill('SIGINT')
    const outcome = await run.done
    stallPath = null
    expect(outcome.code).toBe(1)
    expect(outcome.stderr).toContain(
      'dhm: files interrupted (SIGINT); files already copied are kept and skipped next time; rerun to resume.',
    )
    // Recorded as interrupted before exiting, as migrate and sync do (it stayed running).
    expect((await filesRuns()).at(-1)?.status).toBe('interrupted')
  })
})

describe('an image pasted into a body as a data: URI', () => {
  it('becomes a file in the manifest, copied like the others, and the <img> points at it', async () => {
    const png = pngBytes(24, 16, new Uint8Array([200, 30, 30]))
    const sha = sha256(png)
    const html = `<p>Chart:</p><img src="data:image/png;base64,${png.toString('base64')}" alt="chart">`
    // The editor pastes into the current revision of one article.
    const [article] = await mariaQuery<{ nid: number; vid: number }>(
      sourceUrl,
      "SELECT n.nid, n.vid FROM node n JOIN field_revision_body b ON b.revision_id = n.vid WHERE n.type = 'article' ORDER BY n.nid LIMIT 1",
    )
    expect(article).toBeDefined()
    for (const table of ['field_data_body', 'field_revision_body']) {
      await mariaQuery(
        sourceUrl,
        `UPDATE ${table} SET body_value = ?, body_format = 'full_html' WHERE revision_id = ?`,
        [html, article?.vid],
      )
    }
    await runMigration({
      mapping: await loadMapping(MAPPING_FILE),
      mappingFile: MAPPING_FILE,
      sourceUrl,
      targetUrl,
      reportsDir: join(work, 'reports'),
      ids: [article?.nid ?? 0],
    })
    const [body] = await pgQuery<{ body: string }>(
      targetUrl,
      'SELECT body FROM article WHERE legacy_nid = $1',
      [article?.nid],
    )
    const url = `https://www.intellinews.com/sites/default/files/inline/${sha}.png`
    expect(body?.body).toContain(`<img src="${url}" alt="chart"`)

    const to = join(work, 'to-inline')
    const r = await files(to)
    const inline = r.outcomes.find((o) => o.uri === `data:${sha}.png`)
    expect(inline).toMatchObject({ status: 'copied', key: `inline/${sha}.png`, url, sha256: sha })
    expect(sha256(await readFile(join(to, 'inline', `${sha}.png`)))).toBe(sha)
    const [row] = await pgQuery<{ width: number; height: number; mime: string }>(
      targetUrl,
      'SELECT width, height, mime FROM stored_file WHERE uri = $1',
      [`data:${sha}.png`],
    )
    expect(row).toMatchObject({ mime: 'image/png' })
    expect(row?.width).toBeGreaterThan(0)
  })
})

describe('links follow the copied files (files.storedKeys, a new public base URL)', () => {
  const keyedDb = uniqueName('files_keyed')
  let keyedUrl = ''
  afterAll(async () => {
    await dropPgDb(keyedDb)
  })

  it('image/pdf URLs and body links point at the stored keys; no body keeps an old file link', async () => {
    const base = await loadMapping(MAPPING_FILE)
    const mapping = {
      ...base,
      files: { ...base.files, publicBaseUrl: 'https://media.example.org/files/', storedKeys: true },
    }
    // An editor's relative link to an awkward file, and an image-style derivative of another.
    const [awkward] = await mariaQuery<{ uri: string }>(
      sourceUrl,
      "SELECT uri FROM file_managed WHERE uri LIKE 'public://images/awkward/100%' LIMIT 1",
    )
    const [plain] = await mariaQuery<{ uri: string }>(
      sourceUrl,
      "SELECT uri FROM file_managed WHERE uri LIKE 'public://images/2%' ORDER BY fid LIMIT 1",
    )
    const rel = (uri: string) => uri.slice('public://'.length).split('/').map(encodeURIComponent).join('/')
    const [article] = await mariaQuery<{ nid: number; vid: number }>(
      sourceUrl,
      "SELECT n.nid, n.vid FROM node n JOIN field_revision_body b ON b.revision_id = n.vid WHERE n.type = 'article' ORDER BY n.nid DESC LIMIT 1",
    )
    const extra =
      `<p><a href="/sites/default/files/${rel(awkward?.uri ?? '')}">report</a>` +
      `<img src="https://www.intellinews.com/sites/default/files/styles/large/public/${rel(plain?.uri ?? '')}?itok=x1" alt="s"></p>`
    for (const table of ['field_data_body', 'field_revision_body']) {
      await mariaQuery(
        sourceUrl,
        `UPDATE ${table} SET body_value = CONCAT(body_value, ?) WHERE revision_id = ?`,
        [extra, article?.vid],
      )
    }
    keyedUrl = await createPgDb(keyedDb)
    await runMigration({
      mapping,
      mappingFile: MAPPING_FILE,
      sourceUrl,
      targetUrl: keyedUrl,
      reportsDir: join(work, 'reports'),
    })
    const r = await runFiles({
      mapping,
      mappingFile: MAPPING_FILE,
      sourceUrl,
      targetUrl: keyedUrl,
      from: fromDir,
      to: join(work, 'to-keyed'),
      dryRun: false,
      concurrency: 3,
      reportsDir: join(work, 'reports'),
    })
    expect(r.summary.failed).toBe(0)
    const stored = new Map(
      (
        await pgQuery<{ uri: string; public_url: string; status: string }>(
          keyedUrl,
          'SELECT uri, public_url, status FROM stored_file',
        )
      ).map((s) => [s.uri, s]),
    )
    // Field files: the article's URL is the copied file's public URL (awkward names included).
    const fields = await pgQuery<{ uri: string; url: string }>(
      keyedUrl,
      `SELECT document->'image'->'file'->>'uri' AS uri, document->'image'->'file'->>'url' AS url
       FROM article WHERE document->'image'->'file' IS NOT NULL
       UNION ALL SELECT document->'pdf'->'file'->>'uri', document->'pdf'->'file'->>'url'
       FROM article WHERE document->'pdf'->'file' IS NOT NULL`,
    )
    let copied = 0
    for (const f of fields) {
      const s = stored.get(f.uri)
      if (s?.status !== 'copied') continue
      copied++
      expect(f.url, f.uri).toBe(s.public_url)
    }
    expect(copied).toBeGreaterThan(50)
    expect(stored.get(awkward?.uri ?? '')?.public_url).toBe(
      'https://media.example.org/files/images/awkward/100-growth-more.jpg',
    )
    // Bodies: no link to the old files area or a stream wrapper is left.
    const old = await pgQuery<{ n: string }>(
      keyedUrl,
      `SELECT count(*) AS n FROM article WHERE body ~ '(src|href)\\s*=\\s*["''](public://|[^"'']*/sites/[^/"'']+/files/)'`,
    )
    expect(Number(old[0]?.n)).toBe(0)
    const [body] = await pgQuery<{ body: string }>(
      keyedUrl,
      'SELECT body FROM article WHERE legacy_nid = $1',
      [article?.nid],
    )
    expect(body?.body).toContain('href="https://media.example.org/files/images/awkward/100-growth-more.jpg"')
    expect(body?.body).toContain(`src="${stored.get(plain?.uri ?? '')?.public_url}"`)
    // Every file URL in a body is one the manifest stored (or knows to be missing).
    const urls = new Set([...stored.values()].map((s) => s.public_url))
    for (const { u } of await pgQuery<{ u: string }>(
      keyedUrl,
      "SELECT DISTINCT (regexp_matches(body, '(https://media\\.example\\.org/files/[^\"'' ]+)', 'g'))[1] AS u FROM article",
    )) {
      expect(urls, u).toContain(u)
    }
  })
})

// Last: it edits the source (a term renamed, an image replaced), which the tests above read.
describe('dhm sync names the dhm files command only when articles got new or changed files', () => {
  const sync = async () =>
    runSync({
      mapping: await loadMapping(MAPPING_FILE),
      mappingFile: MAPPING_FILE,
      sourceUrl,
      targetUrl,
      reportsDir: join(work, 'reports'),
    })
  const note = (runId: number) => filesNoteAfterSync(targetUrl, 'bne', MAPPING_FILE, runId)

  it('not for a term renamed (it did, for every article the rename rewrote); yes for an image replaced', async () => {
    const to = join(work, 'to-sync-note')
    await files(to) // the run whose --from and --to the note repeats
    await sync() // catches up with the source edits of the tests above (a body given file links)
    const conn = await connectMaria(sourceUrl)
    try {
      const [term] = await rows<{ tid: number }>(
        conn,
        `SELECT f.field_website_sections_tid AS tid FROM field_revision_field_website_sections f
         JOIN node n ON n.nid = f.entity_id AND n.vid = f.revision_id AND n.type = 'article'
         GROUP BY f.field_website_sections_tid ORDER BY COUNT(*) DESC LIMIT 1`,
      )
      await renameTerm(conn, Number(term?.tid), 'Renamed section')
      const renamed = await sync()
      expect(renamed.summary.updated).toBeGreaterThan(0)
      expect(await note(renamed.runId)).toBeNull()
      expect(await filesNoteAfterSync(targetUrl, 'another-site', MAPPING_FILE, renamed.runId)).toBeNull()

      const [image] = await pgQuery<{ fid: number }>(
        targetUrl,
        `SELECT (document->'image'->'file'->>'fid')::int AS fid FROM article
         WHERE site = 'bne' AND document->'image'->'file' IS NOT NULL ORDER BY 1 LIMIT 1`,
      )
      await replaceFile(conn, Number(image?.fid), Math.floor(Date.now() / 1000))
      const replaced = await sync()
      const [using] = await pgQuery<{ n: number }>(
        targetUrl,
        "SELECT COUNT(*)::int AS n FROM article WHERE site = 'bne' AND document::text LIKE '%.v2.jpg%'",
      )
      expect(using?.n).toBeGreaterThan(0)
      expect(await note(replaced.runId)).toBe(
        `dhm: ${using?.n} article(s) with new or changed files; copy them with dhm files --mapping ${MAPPING_FILE} ` +
          `--from ${fromDir} --to ${to} (files already stored are skipped)`,
      )
    } finally {
      await conn.end()
    }
  })
})
