// `dhm verify` from the command line, then its report.html opened in headless Chromium (Debian's
// `chromium`, driven by playwright-core): what a person sees, with a screenshot kept in test/artifacts/.

import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFixture } from '../../src/fixture/generate-fixture.js'
import { loadMapping } from '../../src/mapping/load-mapping.js'
import { runMigration } from '../../src/pipeline/run-migration.js'
import {
  createPgDb,
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js'
import { runDhm } from '../helpers/dhm-process.js'

const dhm = runDhm

const CHROMIUM = '/usr/bin/chromium'
const HAS_CHROMIUM = existsSync(CHROMIUM)
const SKIP_NOTE = HAS_CHROMIUM ? '' : ` (SKIPPED: ${CHROMIUM} not found; apt-get install -y chromium)`
const ARTIFACTS = join(process.cwd(), 'test', 'artifacts')
const HOSTILE_TITLE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> | `x` [y]'

/** The text as rendered (CSS applied, hidden parts left out): what a person sees. */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, not the DOM property
const seen = (l: Locator) => l.innerText()

/** CI installs chromium (env CI, set by every CI service): there a missing browser is a failure, not a skip. */
const IN_CI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase())

if (!HAS_CHROMIUM && !IN_CI) console.warn(`verify-report browser test${SKIP_NOTE}`)

describe.runIf(!HAS_CHROMIUM && IN_CI)('dhm verify → report.html in a browser, in CI', () => {
  it('has chromium to run in (CI=true must never skip the browser test)', () => {
    expect(
      HAS_CHROMIUM,
      `${CHROMIUM} not found while CI is set: install it in the CI image (apt-get install -y chromium)`,
    ).toBe(true)
  })
})

describe.skipIf(!HAS_CHROMIUM)(`dhm verify → report.html in a browser${SKIP_NOTE}`, () => {
  const sourceDb = uniqueName('e2e_verify_src')
  const targetDb = uniqueName('e2e_verify_tgt')
  const source = mariaUrl(sourceDb)
  let target = ''
  let reports = ''
  let browser: Browser | undefined
  let retitled = 0
  let removed = 0

  beforeAll(async () => {
    reports = await mkdtemp(join(tmpdir(), 'dhm-e2e-verify-'))
    await generateFixture({ url: MARIADB_SERVER, database: sourceDb, articles: 120, seed: 4 })
    target = await createPgDb(targetDb)
    await runMigration({
      mapping: await loadMapping('mappings/bne.yaml'),
      mappingFile: 'mappings/bne.yaml',
      sourceUrl: source,
      targetUrl: target,
      reportsDir: reports,
    })
    const rows = await pgQuery<{ nid: number }>(
      target,
      'SELECT legacy_nid AS nid FROM article ORDER BY legacy_nid LIMIT 2',
    )
    retitled = rows[0]?.nid ?? 0
    removed = rows[1]?.nid ?? 0
    await pgQuery(
      target,
      `UPDATE article SET title = $2, document = jsonb_set(document, '{title}', to_jsonb($2::text)),
         content_hash = encode(sha256('edited'::bytea), 'hex') WHERE legacy_nid = $1`,
      [retitled, HOSTILE_TITLE],
    )
    await pgQuery(
      target,
      'DELETE FROM article_term WHERE article_id = (SELECT id FROM article WHERE legacy_nid = $1)',
      [removed],
    )
    await pgQuery(target, 'DELETE FROM article WHERE legacy_nid = $1', [removed])
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await dropMariaDb(sourceDb)
    await dropPgDb(targetDb)
    if (reports) await rm(reports, { recursive: true, force: true })
  })

  it('exits 4, prints the counts, and the page shows them with every value as text', async () => {
    const r = await dhm([
      'verify',
      '--source',
      source,
      '--target',
      target,
      '--json',
      '--reports-dir',
      reports,
    ])
    expect(r.code).toBe(4)
    const counts = JSON.parse(r.stdout)
    expect(counts).toMatchObject({ missing: 1, extra: 0, changed: 1 })

    const last = await dhm(['report', '--last', '--reports-dir', reports])
    expect(last.code).toBe(0)
    const [file, headline] = last.stdout.trim().split('\n')
    expect(file).toMatch(/-verify\/report\.html$/)
    expect(headline).toMatch(
      /^verify: matched \d+, missing in target 1, extra in target 0, changed 1, rejected \d+/,
    )

    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } })
    const requests: string[] = []
    page.on('request', (req) => requests.push(req.url()))
    await page.goto(pathToFileURL(file ?? '').href)

    await expect.poll(() => seen(page.locator('h1'))).toBe('Verification: bne')
    expect(await seen(page.locator('#verdict'))).toBe('2 difference(s) found.')
    expect(await seen(page.locator('.card.missing .n'))).toBe('1')
    expect(await seen(page.locator('.card.changed .n'))).toBe('1')
    expect(await page.locator('#coverage rect.src').count()).toBeGreaterThan(20)

    // The hostile title is shown as text and never runs.
    const row = page.locator('#differences tbody tr[data-class="changed"]')
    expect(await seen(row.locator('.val.old'))).toBe(JSON.stringify(HOSTILE_TITLE))
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(await page.locator('body img').count()).toBe(0)
    expect(await page.locator('script').count()).toBe(1)

    // Filters: by class, then by text.
    const visible = () => page.locator('#differences tbody tr:visible').count()
    const all = await visible()
    expect(all).toBe(2 + counts.rejected)
    await page.selectOption('#cls', 'missing')
    expect(await visible()).toBe(1)
    expect(await seen(page.locator('#differences tbody tr:visible td.num'))).toBe(String(removed))
    await page.selectOption('#cls', '')
    await page.fill('#q', String(retitled))
    expect(await visible()).toBe(1)
    expect(await seen(page.locator('#shown'))).toBe(`(1 of ${all})`)
    await page.fill('#q', '')

    // Self-contained: nothing but the file itself was loaded.
    expect(requests).toEqual([pathToFileURL(file ?? '').href])
    await mkdir(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'verify-report.png'), fullPage: true })
    await page.close()
  })
})
