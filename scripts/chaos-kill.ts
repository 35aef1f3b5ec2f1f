/**
 * kill -9 at random points (issue #8, faults): `npm run test:chaos [-- --seed 7 --trials 20 --only migrate|sync]`.
 *
 * migrate: a reference target from one clean `dhm migrate`; then per trial a fresh target, a
 *   `dhm migrate` killed with SIGKILL at a seeded-random moment, a rerun to completion, and the
 *   target compared with the reference (checksums keyed by legacy ids, row counts, duplicates).
 * sync: one target kept across trials (first sync before them); per trial, editors change some nodes
 *   of the script's own source copy, a `dhm sync` is killed at a random moment, rerun to completion,
 *   and the target compared with a fresh full migration of the edited source.
 *
 * The killed runs are real `node bin/dhm.js` processes; the reruns call the same pipeline functions
 * in this process (runMigration, runSync), which saves a CLI start-up (~1 s of CPU) per trial. The
 * two commands' trials run side by side.
 *
 * Every trial prints its seed (trial i of a run with --seed S uses seed S + i); replay one with
 * `--seed <that seed> --trials 1 --only <kind>` (a sync replay starts from the unedited fixture).
 * Kill moments follow the machine's speed, so a replay hits about the same point, not the same
 * byte. Ends with a line `N passed, M failed`; exits 1 on any failure. Every database it creates is
 * dropped, also on failure or Ctrl-C.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { LockedError } from '../src/errors.ts'
import { generateFixture } from '../src/fixture/generate-fixture.ts'
import { Prng } from '../src/fixture/prng.ts'
import { DEFAULT_MAPPING_FILE, loadMapping } from '../src/mapping/load-mapping.ts'
import { runMigration } from '../src/pipeline/run-migration.ts'
import { runSync, type SyncResult } from '../src/pipeline/run-sync.ts'
import {
  dropMariaDb,
  dropPgDb,
  MARIADB_SERVER,
  mariaUrl,
  pgQuery,
  pgUrl,
  uniqueName,
} from '../test/helpers/databases.ts'
import { type DhmProcess, startDhm } from '../test/helpers/dhm-process.ts'
import {
  addArticleLike,
  articleNids,
  changeSection,
  connectMaria,
  editTitle,
  setStatus,
} from '../test/helpers/drupal-edits.ts'
import { holdLock } from '../test/helpers/held-lock.ts'
import { diffSnapshots, snapshotTarget } from '../test/helpers/target-snapshot.ts'

const argv = await yargs(hideBin(process.argv))
  .scriptName('test:chaos')
  .option('seed', { type: 'number', default: 1, describe: 'trial i uses seed + i' })
  .option('trials', { type: 'number', default: 20, describe: 'trials per command' })
  .option('only', { choices: ['all', 'migrate', 'sync'] as const, default: 'all' as const })
  .option('articles', { type: 'number', default: 400, describe: 'fixture size' })
  .option('batch-size', { type: 'number', default: 29, describe: 'migrate --batch-size in the trials' })
  .strict()
  .help()
  .parseAsync()

/** The fixture's fixed clock: every generated node.changed is at or before it. */
const FIXTURE_CLOCK = 1696118400
const FIXTURE_SEED = 42
const SYNC_BATCH = 10

const pgDbs = new Set<string>()
const mariaDbs = new Set<string>()
const running = new Set<DhmProcess>()
let stopping = false
process.on('SIGINT', () => {
  stopping = true
  for (const p of running) p.child.kill('SIGKILL')
})

interface TrialResult {
  readonly ok: boolean
  readonly line: string
}

const started = Date.now()
const results: TrialResult[] = []
const reports = await mkdtemp(join(tmpdir(), 'dhm-chaos-'))
try {
  const mapping = await loadMapping(DEFAULT_MAPPING_FILE)
  console.log(
    `chaos: seed ${argv.seed}, ${argv.trials} trial(s) per command, ${argv.articles} articles, ` +
      `migrate --batch-size ${argv['batch-size']}, sync --batch-size ${SYNC_BATCH}`,
  )
  // The two commands' trials run side by side (their own databases), which halves the wall time.
  await Promise.all([
    argv.only !== 'sync' ? migrateTrials() : null,
    argv.only !== 'migrate' ? syncTrials() : null,
  ])

  async function migrateTrials(): Promise<void> {
    const sourceDb = await newMariaDb('chaos_msrc')
    const source = mariaUrl(sourceDb)
    const args = (target: string, extra: string[]) => [
      'migrate',
      '--source',
      source,
      '--target',
      target,
      '--batch-size',
      String(argv['batch-size']),
      '--reports-dir',
      reports,
      ...extra,
    ]
    const refDb = newPgDb('chaos_mref')
    const t0 = Date.now()
    const ref = await run(startDhm(args(pgUrl(refDb), [])))
    if (ref.code !== 0) throw new Error(`the clean reference migrate failed (${ref.code}): ${ref.stderr}`)
    const timing = { total: Date.now() - t0, batches: ref.batchesMs ?? Date.now() - t0 }
    const reference = await snapshotTarget(pgUrl(refDb))
    console.log(
      `migrate reference: ${reference.counts.article} articles, ${reference.counts.article_term} term links, ` +
        `${reference.counts.term} terms, ${reference.counts.media_file} files, ${reference.counts.redirect} redirects ` +
        `in ${ms(timing.total)} (batches ${ms(timing.batches)}); checksum ${reference.articles}`,
    )
    await dropPg(refDb)

    for (let i = 0; i < argv.trials && !stopping; i++) {
      const seed = argv.seed + i
      const rng = new Prng(seed)
      const label = `migrate #${pad(i + 1)} seed=${seed}`
      const db = newPgDb(`chaos_m${i}`)
      const url = pgUrl(db)
      const t = Date.now()
      let where = ''
      try {
        const kill = pickKill(rng, timing)
        const killed = await runAndKill(startDhm(args(url, [])), kill)
        where = killed.describe
        const committed = await articleCount(url)
        const rerun = await runMigration({
          mapping,
          mappingFile: DEFAULT_MAPPING_FILE,
          sourceUrl: source,
          targetUrl: url,
          batchSize: argv['batch-size'],
          reportsDir: reports,
        })
        const problems = diffSnapshots(await snapshotTarget(url), reference)
        if (rerun.status !== 'succeeded') problems.push(`rerun ${rerun.status}`)
        record(
          label,
          problems,
          `${killed.describe}, ${committed} committed → rerun ` +
            `inserted ${rerun.summary.inserted}, unchanged ${rerun.summary.unchanged}`,
          t,
        )
      } catch (error) {
        record(label, [`error: ${(error as Error).message}`], where, t)
      } finally {
        await dropPg(db)
      }
    }
  }

  async function syncTrials(): Promise<void> {
    const sourceDb = await newMariaDb('chaos_ssrc')
    const source = mariaUrl(sourceDb)
    const targetDb = newPgDb('chaos_stgt')
    const target = pgUrl(targetDb)
    const args = (extra: string[]) => [
      'sync',
      '--source',
      source,
      '--target',
      target,
      '--batch-size',
      String(SYNC_BATCH),
      '--reports-dir',
      reports,
      ...extra,
    ]
    const first = await run(startDhm(args(['--quiet', '--json'])))
    if (first.code !== 0) throw new Error(`the first sync failed (${first.code}): ${first.stderr}`)
    console.log(`sync: first sync ${first.stdout.trim()}`)
    const conn = await connectMaria(source)
    try {
      const nids = await articleNids(conn)
      for (let i = 0; i < argv.trials && !stopping; i++) {
        const seed = argv.seed + i
        const rng = new Prng(seed)
        const label = `sync    #${pad(i + 1)} seed=${seed}`
        const refDb = newPgDb(`chaos_sref${i}`)
        const t = Date.now()
        let where = ''
        try {
          // Editors at work: titles, sections, publication status, a new article now and then.
          const changed = FIXTURE_CLOCK + 600 * (i + 1)
          const edited = rng.sample(nids, rng.int(30, 90))
          for (const nid of edited) {
            const what = rng.int(0, 9)
            if (what < 5) await editTitle(conn, nid, changed, ` [chaos ${seed}]`)
            else if (what < 8)
              await changeSection(conn, nid, changed).catch(() => editTitle(conn, nid, changed))
            else await setStatus(conn, nid, rng.chance(0.5) ? 0 : 1, changed)
          }
          if (rng.chance(0.15)) {
            nids.push(await addArticleLike(conn, rng.pick(nids), changed, `Chaos article ${seed}`))
          }
          // Kill windows: the whole run, or the batches (~50 ms each) and the deletion scan.
          const batchesMs = Math.ceil(edited.length / SYNC_BATCH) * 50 + 300
          // One trial in three holds an edited article past the first batch: the run commits the
          // batches before it and is killed while it waits inside the batch that writes it.
          const sorted = [...edited].sort((a, b) => a - b)
          const parkAt = rng.chance(1 / 3) ? sorted[rng.int(SYNC_BATCH, sorted.length - 1)] : undefined
          const killed =
            parkAt === undefined
              ? await runAndKill(
                  startDhm(args([])),
                  pickKill(rng, { total: 1500 + batchesMs, batches: batchesMs }),
                )
              : await parkAndKill(target, parkAt, () => startDhm(args([])))
          where = killed.describe
          const [dead] = await pgQuery<{ read: number | null; mark: number | null }>(
            target,
            `SELECT (counts->>'read')::int AS read, high_water_mark AS mark FROM migration_run
             WHERE command = 'sync' ORDER BY id DESC LIMIT 1`,
          )
          const rerun = await rerunSync(source, target)
          await runMigration({
            mapping,
            mappingFile: DEFAULT_MAPPING_FILE,
            sourceUrl: source,
            targetUrl: pgUrl(refDb),
            reportsDir: reports,
          })
          const problems = diffSnapshots(await snapshotTarget(target), await snapshotTarget(pgUrl(refDb)))
          if (rerun.status !== 'succeeded') problems.push(`rerun ${rerun.status}`)
          const { summary } = rerun
          record(
            label,
            problems,
            `${edited.length} edited, ${killed.describe}, killed run read ${dead?.read ?? 0}` +
              `${dead?.mark ? ' (mark written)' : ''} → rerun ` +
              `read ${summary.read}, updated ${summary.updated}, inserted ${summary.inserted}`,
            t,
          )
        } catch (error) {
          record(label, [`error: ${(error as Error).message}`], where, t)
        } finally {
          await dropPg(refDb)
        }
      }
    } finally {
      await conn.end()
    }
  }
} finally {
  await Promise.allSettled([...pgDbs].map((db) => dropPgDb(db)))
  await Promise.allSettled([...mariaDbs].map((db) => dropMariaDb(db)))
  await rm(reports, { recursive: true, force: true })
}

const failed = results.filter((r) => !r.ok).length
console.log(`chaos: ${ms(Date.now() - started)} in all${stopping ? ' (stopped by Ctrl-C)' : ''}`)
console.log(`${results.length - failed} passed, ${failed} failed`)
process.exitCode = failed > 0 || stopping || results.length === 0 ? 1 : 0

// ---------------------------------------------------------------------------------------------

interface KillPlan {
  /** 'spawn': ms after the process started; 'batches': ms after it printed its node count. */
  readonly from: 'spawn' | 'batches'
  readonly afterMs: number
}

/** One kill in five anywhere in the run (start-up, schema, snapshot), the others during the batches. */
function pickKill(rng: Prng, timing: { total: number; batches: number }): KillPlan {
  return rng.chance(0.2)
    ? { from: 'spawn', afterMs: rng.int(0, timing.total) }
    : { from: 'batches', afterMs: rng.int(0, timing.batches) }
}

interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** ms from the "N node(s) to read" line to the exit, when the run printed it. */
  readonly batchesMs: number | null
}

async function run(p: DhmProcess): Promise<Finished> {
  running.add(p)
  let startLine: number | null = null
  const watch = setInterval(() => {
    if (startLine === null && /node\(s\) to read/.test(p.stderr())) startLine = Date.now()
  }, 5)
  try {
    const done = await p.done
    return { ...done, batchesMs: startLine === null ? null : Date.now() - startLine }
  } finally {
    clearInterval(watch)
    running.delete(p)
  }
}

/** Run `p` and SIGKILL it as planned; says when it was killed (or that it finished first). */
async function runAndKill(p: DhmProcess, plan: KillPlan): Promise<{ describe: string }> {
  running.add(p)
  const spawned = Date.now()
  let exited = false
  const done = p.done.then((o) => {
    exited = true
    return o
  })
  try {
    if (plan.from === 'batches') {
      while (!exited && !/node\(s\) to read/.test(p.stderr())) await sleep(2)
    }
    const from = Date.now()
    while (!exited && Date.now() - from < plan.afterMs) await sleep(2)
    const at = Date.now() - spawned
    if (!exited) p.child.kill('SIGKILL')
    const outcome = await done
    const where = plan.from === 'spawn' ? `kill@${at}ms` : `kill@batches+${plan.afterMs}ms`
    return {
      describe: outcome.signal === 'SIGKILL' ? where : `${where} (it had already exited ${outcome.code})`,
    }
  } finally {
    running.delete(p)
  }
}

/**
 * Hold the target row of `nid` (an edited article the run must write), start the run, and SIGKILL
 * it once it waits for that row: killed inside a batch after the batches before it committed,
 * whatever the machine's speed.
 */
async function parkAndKill(
  target: string,
  nid: number,
  start: () => DhmProcess,
): Promise<{ describe: string }> {
  const held = await holdLock(
    target,
    "SELECT id FROM article WHERE site = 'bne' AND legacy_nid = $1 FOR UPDATE",
    [nid],
  )
  const p = start()
  running.add(p)
  let exited = false
  const done = p.done.then((o) => {
    exited = true
    return o
  })
  try {
    while (!exited && !(await held.waiting())) await sleep(5)
    if (!exited) p.child.kill('SIGKILL')
    const outcome = await done
    return {
      describe:
        outcome.signal === 'SIGKILL'
          ? `kill@waiting for nid ${nid}`
          : `held nid ${nid}, never waited for (it exited ${outcome.code})`,
    }
  } finally {
    running.delete(p)
    await held.release()
  }
}

/** The rerun, in-process (the function `dhm sync` calls); waits while the killed run's lock lingers. */
async function rerunSync(source: string, target: string): Promise<SyncResult> {
  const mapping = await loadMapping(DEFAULT_MAPPING_FILE)
  for (let wait = 0; ; wait++) {
    try {
      return await runSync({
        mapping,
        mappingFile: DEFAULT_MAPPING_FILE,
        sourceUrl: source,
        targetUrl: target,
        batchSize: SYNC_BATCH,
        reportsDir: reports,
      })
    } catch (error) {
      // Postgres frees a killed session's advisory lock when it notices the closed socket.
      if (!(error instanceof LockedError) || wait >= 10) throw error
      await sleep(200)
    }
  }
}

function record(label: string, problems: string[], detail: string, t: number): void {
  const ok = problems.length === 0
  const line = `${label} ${ok ? 'PASS' : 'FAIL'} ${detail}${ok ? '' : ` — ${problems.join('; ')}`} (${ms(Date.now() - t)})`
  results.push({ ok, line })
  console.log(line)
}

async function newMariaDb(what: string): Promise<string> {
  const name = uniqueName(what)
  mariaDbs.add(name)
  await generateFixture({ url: MARIADB_SERVER, database: name, articles: argv.articles, seed: FIXTURE_SEED })
  return name
}

function newPgDb(what: string): string {
  const name = uniqueName(what)
  pgDbs.add(name)
  return name
}

async function dropPg(name: string): Promise<void> {
  await dropPgDb(name)
  pgDbs.delete(name)
}

async function articleCount(url: string): Promise<number> {
  const rows = await pgQuery<{ n: number }>(url, 'SELECT count(*)::int AS n FROM article').catch(() => [])
  return Number(rows[0]?.n ?? 0)
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

function ms(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(0)}s` : n >= 1000 ? `${(n / 1000).toFixed(1)}s` : `${n}ms`
}
