import { extname } from 'node:path'
import { imageSize } from 'image-size'
import type pg from 'pg'
import { ConfigError, EXIT, type ExitCode } from '../errors.js'
import { contentNeeds } from '../extract/content-refs.js'
import { createSourcePool, explainSourceError } from '../extract/source-db.js'
import { finishRun, markDeadRuns, startRun } from '../load/run-log.js'
import { applyTargetMigrations } from '../load/schema-migrations.js'
import { openTarget } from '../load/target-db.js'
import type { CompiledMapping } from '../mapping/compile.js'
import type { ActiveRun } from '../pipeline/events.js'
import { withRetry } from '../pipeline/retry.js'
import {
  type FileOutcome,
  type FileStatus,
  type FilesSummary,
  writeFilesReport,
} from '../report/files-report.js'
import { createReportDir } from '../report/run-report.js'
import { storedKeyOf, uniqueKey } from '../transform/content/file-keys.js'
import { publishedFileUrl } from '../transform/content/file-urls.js'
import { type InventoryItem, inlineImageSource, readInventory } from './file-inventory.js'
import {
  type FileSource,
  isTransientCopyError,
  MissingFileError,
  openFileSource,
  requireSourceFolder,
} from './file-source.js'
import { type FileStore, openFileStore, type S3Settings } from './file-store.js'
import { type ManifestEntry, readManifest, writeManifest } from './manifest.js'
import { Tally } from './tally.js'

export const DEFAULT_FILE_CONCURRENCY = 4

export interface FilesRunOptions {
  readonly mapping: CompiledMapping
  readonly mappingFile: string
  readonly sourceUrl: string
  readonly targetUrl: string
  /** Folder or http(s) base URL of the old site's public files. */
  readonly from: string
  /** Folder or http(s) base URL of its private files (only with files.privatePrefix). */
  readonly privateFrom?: string
  /** Folder or s3://bucket/prefix. */
  readonly to: string
  readonly s3?: S3Settings
  readonly dryRun: boolean
  readonly concurrency: number
  readonly reportsDir: string
  /** Only the files of these articles (what a sync changed). */
  readonly nids?: readonly number[]
  readonly retry?: { readonly attempts: number; readonly baseMs: number }
  readonly onProgress?: (p: FilesProgress) => void
  readonly onPhase?: (message: string) => void
  /** The run recorded in migration_run (not in a dry run): what a signal records as interrupted. */
  readonly onRunStarted?: (run: ActiveRun) => void
}

export interface FilesProgress {
  readonly done: number
  readonly total: number
  readonly bytes: number
  readonly elapsedMs: number
}

export interface FilesRunResult {
  readonly summary: FilesSummary
  readonly outcomes: readonly FileOutcome[]
  readonly reportDir: string
  readonly exitCode: ExitCode
}

/**
 * `dhm files`: copy every file the site's migrated articles reference from the old site (`--from`)
 * to the new store (`--to`), once each, streamed, a few at a time, each checked after the write,
 * with a manifest row per file in the target (`stored_file`).
 */
export async function runFiles(opts: FilesRunOptions): Promise<FilesRunResult> {
  const started = performance.now()
  const { mapping } = opts
  const privatePrefix = mapping.files.privatePrefix?.replace(/^\/+|\/+$/g, '')
  if (privatePrefix && !opts.privateFrom) {
    throw new ConfigError(
      `files.privatePrefix is set in ${opts.mappingFile}: give --private-from <folder or URL> ` +
        '(where the private files are), or remove the setting to list private files without copying them',
    )
  }
  await requireSourceFolder('--from', opts.from)
  if (opts.privateFrom && privatePrefix) await requireSourceFolder('--private-from', opts.privateFrom)
  const publicSource = openFileSource(opts.from)
  const privateSource = opts.privateFrom ? openFileSource(opts.privateFrom) : null
  const store = await openFileStore(opts.to, opts.s3, opts.dryRun)
  const target = await openTarget(opts.targetUrl)
  const source = createSourcePool(opts.sourceUrl, 2, mapping.source.tablePrefix)
  let runId: number | null = null
  let release: (() => Promise<void>) | null = null
  try {
    if (!opts.dryRun) {
      await applyTargetMigrations(target.pool, opts.targetUrl)
      // As migrate and sync do: runs of any command left running by a process that died.
      const dead = await markDeadRuns(target.pool)
      if (dead > 0) opts.onPhase?.(`${dead} run(s) left running by a process that died: marked interrupted`)
    }
    const hosts = (contentNeeds(mapping).links?.siteHosts ?? []).map((h) => h.toLowerCase())
    if (mapping.files.publicBaseUrl) hosts.push(new URL(mapping.files.publicBaseUrl).host.toLowerCase())
    opts.onPhase?.('reading the files the articles reference')
    const { items, articles } = await readInventory(
      target.pool,
      source,
      mapping.site,
      hosts,
      opts.nids,
    ).catch((cause) => {
      throw (cause as { sqlMessage?: unknown }).sqlMessage !== undefined || (cause as { code?: string }).code
        ? explainSourceError(cause, opts.sourceUrl)
        : cause
    })
    if (articles === 0 && opts.nids === undefined) {
      throw new ConfigError(
        `the target has no article of site "${mapping.site}": run dhm migrate --mapping ${opts.mappingFile} ` +
          'first (dhm files copies the files of migrated articles)',
      )
    }
    const manifest = await readManifest(target.pool, mapping.site)
    const plan = planFiles(items, manifest, mapping, privatePrefix)
    if (!opts.dryRun) {
      const run = await startRun(opts.targetUrl, mapping.site, 'files', {
        mapping: opts.mappingFile,
        from: publicSource.description,
        to: store.description,
      })
      runId = run.id
      release = () => run.release()
      opts.onRunStarted?.({ id: run.id, recordInterrupted: () => run.recordInterrupted() })
    }
    const inlineNids = new Map(items.filter((i) => i.scheme === 'data').map((i) => [i.path, i.nid]))
    const copier = new Copier(opts, target.pool, runId, store, {
      public: publicSource,
      private: privateSource,
      data: inlineImageSource(target.pool, mapping.site, (path) => inlineNids.get(path) ?? 0),
    })
    const outcomes = await copier.run(plan)
    const summary = summarise(outcomes, plan.copies.length, started)
    const reportDir = await createReportDir(opts.reportsDir, opts.dryRun ? 'files-dry-run' : 'files')
    await writeFilesReport(reportDir, {
      site: mapping.site,
      dryRun: opts.dryRun,
      from: publicSource.description,
      to: store.description,
      summary,
      outcomes,
    })
    const exitCode = summary.missing + summary.failed > 0 ? EXIT.rejected : EXIT.ok
    if (runId !== null) {
      await finishRun(target.pool, runId, 'succeeded', { ...summary, listed: plan.listed.length })
    }
    return { summary, outcomes, reportDir, exitCode }
  } catch (error) {
    if (runId !== null) {
      await finishRun(target.pool, runId, 'failed', {}, { error: (error as Error).message }).catch(
        () => undefined,
      )
    }
    throw error
  } finally {
    await release?.()
    await store.close()
    await source.end()
    await target.close()
  }
}

/** A file to copy, with the key and URL it gets. */
interface PlannedCopy {
  readonly item: InventoryItem
  readonly key: string
  readonly url: string | null
  readonly previous: ManifestEntry | undefined
}

interface Plan {
  readonly copies: readonly PlannedCopy[]
  /** Files listed, not copied: temporary://, remote schemes, private:// without a prefix. */
  readonly listed: readonly { readonly item: InventoryItem; readonly reason: string }[]
}

/**
 * Keys for the files to copy: a file the manifest knows keeps its key; a new one gets its
 * normalised path, made unique against every key of the site.
 */
function planFiles(
  items: readonly InventoryItem[],
  manifest: ReadonlyMap<string, ManifestEntry>,
  mapping: CompiledMapping,
  privatePrefix: string | undefined,
): Plan {
  const taken = new Set<string>()
  for (const m of manifest.values()) if (m.storedKey) taken.add(m.storedKey)
  const copies: PlannedCopy[] = []
  const listed: { item: InventoryItem; reason: string }[] = []
  for (const item of items) {
    let prefix: string
    if (item.scheme === 'data') {
      // Content-addressed: the key is what migrate pointed the body at, never renamed.
      copies.push({
        item,
        key: item.path,
        url: publishedFileUrl(`public://${item.path}`, mapping.files),
        previous: manifest.get(item.uri),
      })
      taken.add(item.path)
      continue
    }
    if (item.scheme === 'public') prefix = ''
    else if (item.scheme === 'private' && privatePrefix) prefix = `${privatePrefix}/`
    else {
      listed.push({ item, reason: listReason(item.scheme) })
      continue
    }
    const previous = manifest.get(item.uri)
    let key = previous?.storedKey
    if (!key) {
      key = uniqueKey(`${prefix}${storedKeyOf(item.path) || `file-${item.fid ?? 0}`}`, item.uri, (k) =>
        taken.has(k),
      )
      taken.add(key)
    }
    const url = item.scheme === 'public' ? publishedFileUrl(`public://${key}`, mapping.files) : null
    copies.push({ item, key, url, previous })
  }
  return { copies, listed }
}

function listReason(scheme: string): string {
  if (scheme === 'private') {
    return 'private:// is not copied: set files.privatePrefix in the mapping (and --private-from) to store it under its own prefix'
  }
  if (scheme === 'temporary') return 'temporary:// is never published'
  return `${scheme}:// is a remote file, not copied`
}

/** The copy loop: a few files at a time, each retried on transient errors, each in the manifest. */
class Copier {
  private done = 0
  private bytes = 0
  private total = 0
  private readonly started = performance.now()

  constructor(
    private readonly opts: FilesRunOptions,
    private readonly pool: pg.Pool,
    private readonly runId: number | null,
    private readonly store: FileStore,
    private readonly sources: Readonly<Record<string, FileSource | null>>,
  ) {}

  async run(plan: Plan): Promise<FileOutcome[]> {
    const outcomes: FileOutcome[] = plan.listed.map(({ item, reason }) => ({
      ...base(item, null, null),
      status: 'listed' as const,
      reason,
    }))
    if (!this.opts.dryRun) {
      for (const { item } of plan.listed) {
        await writeManifest(this.pool, this.opts.mapping.site, this.runId, {
          ...manifestBase(item),
          storedKey: null,
          publicUrl: null,
          status: 'listed',
        })
      }
    }
    this.total = plan.copies.length
    let next = 0
    const worker = async () => {
      while (next < plan.copies.length) {
        const copy = plan.copies[next++]
        if (!copy) break
        outcomes.push(await this.copyOne(copy))
        this.done++
        this.opts.onProgress?.({
          done: this.done,
          total: this.total,
          bytes: this.bytes,
          elapsedMs: performance.now() - this.started,
        })
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, this.opts.concurrency) }, worker))
    // Finished in whatever order the copies took: the report lists them by fid, then uri.
    return outcomes.sort(
      (a, b) =>
        (a.fid ?? Number.MAX_SAFE_INTEGER) - (b.fid ?? Number.MAX_SAFE_INTEGER) || (a.uri < b.uri ? -1 : 1),
    )
  }

  private sourceOf(item: InventoryItem): FileSource {
    const s = this.sources[item.scheme]
    if (!s) throw new Error(`no source for ${item.scheme}:// files`)
    return s
  }

  private async copyOne(copy: PlannedCopy): Promise<FileOutcome> {
    const { item, key, url, previous } = copy
    const site = this.opts.mapping.site
    const known = base(item, key, url)
    if (previous?.status === 'copied' && previous.storedKey === key && previous.size !== null) {
      if ((await this.store.sizeOf(key)) === previous.size) {
        return { ...known, status: 'skipped', size: previous.size, sha256: previous.sha256, reason: null }
      }
    }
    const source = this.sourceOf(item)
    if (this.opts.dryRun) {
      const size = await source.sizeOf(item.path)
      return size !== null
        ? { ...known, status: 'would-copy', size, reason: null }
        : { ...known, status: 'missing', reason: `not found in ${source.description}` }
    }
    const row = { ...manifestBase(item), storedKey: key, publicUrl: url }
    await writeManifest(this.pool, site, this.runId, { ...row, status: 'pending' })
    const mime = item.mime ?? guessMime(item.path)
    try {
      const digest = await withRetry(
        async () => {
          const body = await source.open(item.path)
          const tally = new Tally(this.store.partSize)
          body.on('error', (e) => tally.destroy(e))
          await this.store.put(key, body.pipe(tally), mime, () => tally.digest())
          return tally.digest()
        },
        {
          attempts: this.opts.retry?.attempts ?? 3,
          baseMs: this.opts.retry?.baseMs ?? 500,
          isTransient: isTransientCopyError,
        },
      )
      const dims =
        item.width !== null ? { width: item.width, height: item.height } : dimensionsOf(digest.head)
      await writeManifest(this.pool, site, this.runId, {
        ...row,
        status: 'copied',
        sha256: digest.sha256,
        size: digest.size,
        ...dims,
      })
      this.bytes += digest.size
      return { ...known, status: 'copied', size: digest.size, sha256: digest.sha256, reason: null }
    } catch (error) {
      const missing = error instanceof MissingFileError
      const reason = (error as Error).message ?? String(error)
      await writeManifest(this.pool, site, this.runId, {
        ...row,
        status: missing ? 'missing' : 'failed',
        error: reason,
      })
      return { ...known, status: missing ? 'missing' : 'failed', reason }
    }
  }
}

function base(item: InventoryItem, key: string | null, url: string | null) {
  return { uri: item.uri, fid: item.fid, nid: item.nid, key, url, size: null, sha256: null }
}

function manifestBase(item: InventoryItem) {
  return { uri: item.uri, fid: item.fid, originalName: item.filename, scheme: item.scheme, mime: item.mime }
}

/** Width and height from an image file's first bytes; null for anything image-size cannot read. */
function dimensionsOf(head: Buffer): { width: number | null; height: number | null } {
  try {
    const d = imageSize(head)
    return { width: d.width ?? null, height: d.height ?? null }
  } catch {
    // Not an image, or a header beyond the bytes kept: dimensions stay unknown.
    return { width: null, height: null }
  }
}

const MIME_BY_EXT: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
}

function guessMime(path: string): string {
  return MIME_BY_EXT[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

function summarise(outcomes: readonly FileOutcome[], files: number, started: number): FilesSummary {
  const count = (s: FileStatus) => outcomes.filter((o) => o.status === s).length
  return {
    files,
    // A dry run counts what it would copy, as migrate --dry-run counts what it would insert.
    copied: count('copied') + count('would-copy'),
    skipped: count('skipped'),
    missing: count('missing'),
    failed: count('failed'),
    // And the bytes it would copy: the sizes the source gave (stat, HEAD's Content-Length).
    bytes: outcomes.reduce(
      (n, o) => n + (o.status === 'copied' || o.status === 'would-copy' ? (o.size ?? 0) : 0),
      0,
    ),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  }
}
