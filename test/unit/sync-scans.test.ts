// Which scans a sync skips, given when the server says each table last changed (UPDATE_TIME) and
// what the previous sync recorded: the rule of src/pipeline/sync-scans.ts, table-driven.
import { describe, expect, it } from 'vitest'
import type { SideState } from '../../src/pipeline/side-changes.js'
import { decideScans, type ScanBasis } from '../../src/pipeline/sync-scans.js'
import { deletionScanDistrust, type PreviousSync } from '../../src/pipeline/sync-state.js'

/** The previous sync read its snapshot at PREV and last ran every scan then. */
const PREV = 1_800_000_000
const NOW = PREV + 300
const side = (scannedAt = PREV): SideState => ({
  aliases: { '0': '1:2' },
  users: null,
  listLabels: null,
  maxFid: null,
  watch: { snapshotAt: PREV, scannedAt: { alias: scannedAt, deletions: scannedAt } },
})
const TABLES = { alias: ['url_alias'], deletions: ['node'] } as const
const basis = (s: SideState | null = side()): ScanBasis => ({ side: s, checksums: null })

interface Case {
  readonly name: string
  readonly times: Record<string, number | null>
  readonly basis?: ScanBasis | null
  readonly overlap?: number
  readonly rescanAfter?: number
  readonly distrust?: string | null
  /** The scans that run (the others are skipped). */
  readonly run: readonly string[]
  readonly why?: RegExp
}

const cases: Case[] = [
  {
    name: 'both tables last changed before the previous snapshot: both skipped',
    times: { url_alias: PREV - 1, node: PREV - 50 },
    run: [],
  },
  {
    name: 'a change in the same second as the previous snapshot counts as a change',
    times: { url_alias: PREV, node: PREV - 1 },
    run: ['alias'],
    why: /url_alias changed at/,
  },
  { name: 'a change after it', times: { url_alias: PREV + 10, node: PREV - 1 }, run: ['alias'] },
  {
    name: 'UPDATE_TIME unknown (NULL) is scanned',
    times: { url_alias: null, node: PREV - 1 },
    run: ['alias'],
    why: /UPDATE_TIME is NULL/,
  },
  { name: 'a table missing from information_schema is unknown', times: { node: PREV - 1 }, run: ['alias'] },
  {
    name: 'the overlap widens the window before the previous snapshot',
    times: { url_alias: PREV - 200, node: PREV - 301 },
    overlap: 300,
    run: ['alias'],
  },
  {
    name: 'no previous reading: everything runs',
    times: { url_alias: 0, node: 0 },
    basis: null,
    run: ['alias', 'deletions'],
    why: /no previous reading/,
  },
  {
    name: 'a state without watch (an older dhm): everything runs',
    times: { url_alias: 0, node: 0 },
    basis: basis({ ...side(), watch: undefined }),
    run: ['alias', 'deletions'],
  },
  {
    name: 'the previous state has no alias checksums to carry forward',
    times: { url_alias: 0, node: 0 },
    basis: basis({ ...side(), aliases: null }),
    run: ['alias'],
    why: /nothing to carry/,
  },
  {
    name: 'the safety net: a scan as old as the rescan interval runs',
    times: { url_alias: 0, node: 0 },
    basis: basis(side(NOW - 3600)),
    run: ['alias', 'deletions'],
    why: /last scanned 3600s ago/,
  },
  {
    name: 'rescan interval 0: every scan, every sync',
    times: { url_alias: 0, node: 0 },
    rescanAfter: 0,
    run: ['alias', 'deletions'],
  },
  {
    name: 'the deletion scan runs when the previous run cannot vouch for it',
    times: { url_alias: 0, node: 0 },
    distrust: 'the last run was a migrate',
    run: ['deletions'],
    why: /migrate/,
  },
]

describe('decideScans', () => {
  it.each(cases)('$name', (c) => {
    const plan = decideScans(TABLES, new Map(Object.entries(c.times)), {
      openedAt: NOW,
      basis: c.basis === undefined ? basis() : c.basis,
      overlap: c.overlap ?? 0,
      rescanAfter: c.rescanAfter ?? 3600,
      deletionsDistrust: c.distrust ?? null,
    })
    expect(plan.decisions.filter((d) => d.run).map((d) => d.scan)).toEqual(c.run)
    expect([...plan.skip].sort()).toEqual(['alias', 'deletions'].filter((s) => !c.run.includes(s)))
    if (c.why) expect(plan.decisions.find((d) => d.run)?.why).toMatch(c.why)
    // What this sync records: its own snapshot; a scan that ran counts from now, a skipped one keeps its time.
    expect(plan.watch.snapshotAt).toBe(NOW)
    for (const d of plan.decisions) {
      const before = c.basis === null ? undefined : (c.basis ?? basis()).side?.watch?.scannedAt[d.scan]
      expect(plan.watch.scannedAt[d.scan]).toBe(d.run || before === undefined ? NOW : before)
    }
  })
})

describe('deletionScanDistrust: when the previous run vouches for deletions', () => {
  const previous: PreviousSync = {
    runId: 7,
    command: 'sync',
    mark: PREV,
    checksums: null,
    side: null,
    mapping: { file: 'mappings/bne.yaml', hash: 'h', bundles: ['article'] },
    finishedClean: true,
    onDelete: 'unpublish',
  }
  it.each([
    { name: 'a sync that finished with the same policy', previous, policy: 'unpublish', why: null },
    { name: 'no previous run', previous: null, policy: 'unpublish', why: /no previous sync/ },
    {
      name: 'a whole migrate (it looks for no deleted nodes)',
      previous: { ...previous, command: 'migrate' as const },
      policy: 'unpublish',
      why: /was a migrate/,
    },
    {
      name: 'a sync that did not finish, or a rollback since',
      previous: { ...previous, finishedClean: false },
      policy: 'unpublish',
      why: /did not finish/,
    },
    {
      name: 'another --on-delete policy',
      previous,
      policy: 'hard-delete',
      why: /ran --on-delete unpublish, this one hard-delete/,
    },
  ])('$name', ({ previous: p, policy, why }) => {
    const got = deletionScanDistrust(p, policy)
    if (why === null) expect(got).toBeNull()
    else expect(got).toMatch(why)
  })
})
