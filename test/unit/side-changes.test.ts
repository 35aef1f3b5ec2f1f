import { describe, expect, it } from 'vitest'
import { differingBuckets } from '../../src/extract/changed-nodes.js'
import { bucketWindow } from '../../src/extract/side-tables.js'
import { bodyLinkKeys } from '../../src/load/article-links.js'
import type { Article } from '../../src/model/article.js'
import { renderChangeKinds } from '../../src/pipeline/run-sync.js'
import { emptyChangeCounts } from '../../src/pipeline/side-changes.js'

type Checksums = Record<string, string>

describe('differingBuckets: which checksum buckets a sync re-reads', () => {
  it.each<{ name: string; now: Checksums; before: Checksums; expected: number[] }>([
    { name: 'identical', now: { 0: '5:1', 1: '3:9' }, before: { 0: '5:1', 1: '3:9' }, expected: [] },
    {
      name: 'one checksum changed',
      now: { 0: '5:1', 1: '3:8' },
      before: { 0: '5:1', 1: '3:9' },
      expected: [1],
    },
    { name: 'a bucket that appeared', now: { 0: '5:1', 7: '1:2' }, before: { 0: '5:1' }, expected: [7] },
    { name: 'a bucket that emptied', now: { 0: '5:1' }, before: { 0: '5:1', 12: '1:2' }, expected: [12] },
    {
      name: 'numeric order, not string order',
      now: { 2: 'a', 10: 'a', 100: 'a' },
      before: {},
      expected: [2, 10, 100],
    },
  ])('$name', ({ now, before, expected }) => {
    expect(differingBuckets(now, before)).toEqual(expected)
  })
})

describe('bucketWindow', () => {
  it.each([
    { name: 'first bucket', input: 0, expected: [0, 999] },
    { name: 'bucket 41', input: 41, expected: [41_000, 41_999] },
  ])('$name', ({ input, expected }) => {
    expect(bucketWindow(input)).toEqual(expected)
  })
})

describe('renderChangeKinds: the kinds on the human summary line', () => {
  it.each([
    { name: 'nothing', input: {}, expected: 'none' },
    { name: 'node edits only', input: { node: 40 }, expected: 'node 40' },
    {
      name: 'in the order of CHANGE_KINDS, zeros left out',
      input: { alias: 1000, node: 40, term: 484, 'list-label': 3 },
      expected: 'node 40, term 484, alias 1000, list-label 3',
    },
  ])('$name', ({ input, expected }) => {
    expect(renderChangeKinds({ ...emptyChangeCounts(), ...input })).toBe(expected)
  })
})

describe('bodyLinkKeys: what article_link records of a body (the source text, before rewriting)', () => {
  const article = (value: string, bodyOriginal: string | null = null) =>
    ({
      body: { value, summary: null, format: null, summaryDerived: false },
      bodyOriginal,
    }) as unknown as Article
  it.each([
    { name: 'no links', body: '<p>plain</p>', original: null, expected: [] },
    {
      name: 'node paths and aliases, lower case, once each',
      body: '<a href="/node/12">a</a> <a href="/News/Old-Title">b</a> <a href="node/12#x">c</a>',
      original: null,
      expected: ['n:12', 'a:news/old-title'],
    },
    {
      name: "the source's body when the rules rewrote it",
      body: '<a href="/new-slug">a</a>',
      original: '<a href="https://www.example.com/node/7">a</a>',
      expected: ['n:7'],
    },
    {
      name: 'external links and system paths are no link targets',
      body: '<a href="https://elsewhere.org/x">a</a> <a href="/sites/default/files/a.pdf">b</a>',
      original: null,
      expected: [],
    },
  ])('$name', ({ body, original, expected }) => {
    expect(bodyLinkKeys(article(body, original), ['www.example.com'])).toEqual(expected)
  })
})
