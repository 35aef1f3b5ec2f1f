import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { imageSize } from 'image-size'
import { describe, expect, it } from 'vitest'
import { Tally } from '../../src/files/tally.js'
import { jpeg, png } from '../../src/fixture/fixture-files.js'
import { MAX_SEGMENT_BYTES, storedKeyOf, uniqueKey } from '../../src/transform/content/file-keys.js'
import { findFileLinks } from '../../src/transform/content/site-file-links.js'

describe('storedKeyOf', () => {
  it.each([
    { name: 'plain path kept', input: 'news/2020/report.pdf', expected: 'news/2020/report.pdf' },
    {
      name: 'spaces become one dash',
      input: 'news/Q1  report (final).pdf',
      expected: 'news/Q1-report-final.pdf',
    },
    {
      name: '% & + ? # become dashes',
      input: 'a/100% growth & more+?#.jpg',
      expected: 'a/100-growth-more.jpg',
    },
    { name: 'percent-encoding decoded', input: 'a/b%20c%C3%A9.jpg', expected: 'a/b-cé.jpg' },
    { name: 'a literal % that is no escape', input: 'a/50%off.jpg', expected: 'a/50-off.jpg' },
    { name: 'NFD composed to NFC', input: 'Cafe\u0301.jpg', expected: 'Caf\u00e9.jpg' },
    { name: 'non-Latin letters kept', input: 'новости/Київ 2020.png', expected: 'новости/Київ-2020.png' },
    { name: 'extension lower-cased', input: 'IMG_0001.JPG', expected: 'IMG_0001.jpg' },
    { name: 'empty and dot segments dropped', input: '/a//./../b.jpg', expected: 'a/b.jpg' },
    { name: 'a name of only symbols', input: 'a/&&&.jpg', expected: 'a/file.jpg' },
  ])('$name', ({ input, expected }) => {
    expect(storedKeyOf(input)).toBe(expected)
  })

  it('shortens a segment over the byte limit, keeping it unique and its extension', () => {
    const a = storedKeyOf(`x/${'ü'.repeat(150)}.jpg`)
    const b = storedKeyOf(`x/${'ü'.repeat(151)}.jpg`)
    const segment = a.slice(2)
    expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES)
    expect(segment).toMatch(/^ü+-[0-9a-f]{8}\.jpg$/)
    expect(a).not.toBe(b)
  })
})

describe('uniqueKey', () => {
  it.each([
    { name: 'free key kept', key: 'a/b.jpg', taken: [], expected: 'a/b.jpg' },
    {
      name: 'taken key gets the uri hash before the extension',
      key: 'a/b.jpg',
      taken: ['a/b.jpg'],
      expected: `a/b-${createHash('sha256').update('public://a/b%20.jpg').digest('hex').slice(0, 8)}.jpg`,
    },
    {
      name: 'no extension: hash at the end',
      key: 'a.d/b',
      taken: ['a.d/b'],
      expected: `a.d/b-${createHash('sha256').update('public://a/b%20.jpg').digest('hex').slice(0, 8)}`,
    },
  ])('$name', ({ key, taken, expected }) => {
    expect(uniqueKey(key, 'public://a/b%20.jpg', (k) => taken.includes(k))).toBe(expected)
  })
})

describe('findFileLinks', () => {
  const hosts = ['www.old-site.org']
  it.each([
    {
      name: 'relative site path',
      html: '<a href="/sites/default/files/news/report.pdf">',
      expected: ['public://news/report.pdf'],
    },
    {
      name: 'percent-encoded and &amp;',
      html: '<a href="/sites/default/files/a%20b&amp;c.pdf">',
      expected: ['public://a b&c.pdf'],
    },
    {
      name: 'image style derivative → the original',
      html: '<img src="/sites/default/files/styles/large/public/x.jpg?itok=AbC">',
      expected: ['public://x.jpg'],
    },
    {
      name: 'absolute on an old host',
      html: '<img src="https://www.old-site.org/sites/bne/files/y.png">',
      expected: ['public://y.png'],
    },
    {
      name: 'absolute on another host ignored',
      html: '<img src="https://cdn.other.com/sites/default/files/y.png">',
      expected: [],
    },
    {
      name: 'stream wrapper uri',
      html: '<img src="public://inline/c.png" alt="">',
      expected: ['public://inline/c.png'],
    },
    { name: 'private uri', html: "<a href='private://r.pdf'>", expected: ['private://r.pdf'] },
    { name: 'no file link', html: '<p>https://example.com/a</p>', expected: [] },
  ])('$name', ({ html, expected }) => {
    expect(findFileLinks(html, hosts)).toEqual(expected)
  })
})

describe('Tally', () => {
  it('computes sha256, md5, size and the multipart ETag S3 reports', async () => {
    const data = Buffer.alloc(2500, 7)
    const tally = new Tally(1000)
    await pipeline(Readable.from([data.subarray(0, 700), data.subarray(700)]), tally, async (s) => {
      for await (const chunk of s) expect(chunk).toBeInstanceOf(Buffer)
    })
    const md5 = (b: Buffer) => createHash('md5').update(b).digest()
    const parts = [data.subarray(0, 1000), data.subarray(1000, 2000), data.subarray(2000)].map(md5)
    expect(tally.digest()).toMatchObject({
      size: 2500,
      sha256: createHash('sha256').update(data).digest('hex'),
      md5: md5(data).toString('hex'),
      multipartEtag: `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-3`,
    })
  })
})

describe('fixture file bytes', () => {
  it.each([
    { name: 'jpeg', bytes: jpeg(64, 48), expected: { type: 'jpg', width: 64, height: 48 } },
    {
      name: 'png',
      bytes: png(16, 24, new Uint8Array([1, 2, 3])),
      expected: { type: 'png', width: 16, height: 24 },
    },
  ])('$name header reads back', ({ bytes, expected }) => {
    expect(imageSize(bytes)).toMatchObject(expected)
  })
})
