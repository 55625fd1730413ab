// The strict literal parsers shared by write time and request time.
import { describe, expect, it } from 'vitest'
import {
  applyExtract,
  daysFromCivil,
  parseDate,
  parseDuration,
  parseExtractTemplate,
  parseRfc3339,
} from './literals.js'

const secondsOf = (iso: string): bigint => BigInt(Date.parse(iso) / 1000)

describe('parseRfc3339', () => {
  const valid: [text: string, seconds: bigint, nanos: number][] = [
    ['2026-02-28T00:00:00Z', secondsOf('2026-02-28T00:00:00Z'), 0],
    ['2024-02-29T23:59:59.5Z', secondsOf('2024-02-29T23:59:59Z'), 500_000_000],
    ['2030-01-01T00:00:00+05:30', secondsOf('2029-12-31T18:30:00Z'), 0],
    ['2030-01-01t00:00:00-08:00', secondsOf('2030-01-01T08:00:00Z'), 0],
    ['1969-12-31T23:59:59.000000001Z', -1n, 1],
    ['0001-01-01T00:00:00Z', -62135596800n, 0],
    ['9999-12-31T23:59:59Z', 253402300799n, 0],
  ]
  it.each(valid)('%s', (text, seconds, nanos) => {
    expect(parseRfc3339(text)).toEqual({ seconds, nanos })
  })

  const invalid: [text: string, message: string][] = [
    ['2026-02-30T00:00:00Z', 'day out of range in "2026-02-30T00:00:00Z"'],
    ['2025-02-29T00:00:00Z', 'day out of range'],
    ['2026-04-31T00:00:00Z', 'day out of range'],
    ['2026-00-10T00:00:00Z', 'month out of range'],
    ['2026-01-01T23:60:00Z', 'time of day out of range'],
    ['2026-01-01T23:59:60Z', 'time of day out of range'],
    ['2026-01-01T00:00:00+24:00', 'UTC offset out of range'],
    ['2026-01-01T00:00:00', 'invalid RFC 3339 timestamp'],
    ['2026-01-01 00:00:00Z', 'invalid RFC 3339 timestamp'],
    ['2026-01-01T00:00:00.1234567890Z', 'invalid RFC 3339 timestamp'],
    ['0001-01-01T00:00:00+01:00', 'is outside 0001-01-01 to 9999-12-31'],
  ]
  it.each(invalid)('rejects %s', (text, message) => {
    expect(() => parseRfc3339(text)).toThrow(message)
  })
})

describe('parseDate', () => {
  it('is midnight UTC', () => {
    expect(parseDate('2024-02-29')).toEqual({
      seconds: secondsOf('2024-02-29T00:00:00Z'),
      nanos: 0,
    })
  })
  it.each(['2023-02-29', '2024-13-01', '24-01-01', '2024-1-1', ''])('rejects %j', (text) => {
    expect(() => parseDate(text)).toThrow()
  })
})

describe('parseDuration', () => {
  const valid: [text: string, seconds: bigint, nanos: number][] = [
    ['3600s', 3600n, 0],
    ['1h30m', 5400n, 0],
    ['-1.5h', -5400n, 0],
    ['1.5s', 1n, 500_000_000],
    ['-1.5s', -1n, -500_000_000],
    ['250ms', 0n, 250_000_000],
    ['1us1ns', 0n, 1001],
    ['0', 0n, 0],
    ['+2m', 120n, 0],
  ]
  it.each(valid)('%s', (text, seconds, nanos) => {
    expect(parseDuration(text)).toEqual({ seconds, nanos })
  })
  it.each(['', '1', 'h', '1 hour', '1d', '--1s', `${'9'.repeat(20)}h`])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow()
  })
})

describe('extract templates', () => {
  it('needs exactly one placeholder', () => {
    expect(parseExtractTemplate('a/{x}/b')).toEqual({ prefix: 'a/', suffix: '/b' })
    for (const bad of ['abc', '{a}{b}', '{}', '{a', 'a}']) {
      expect(() => parseExtractTemplate(bad)).toThrow('invalid extract() template')
    }
  })
  it('applies as Google documents', () => {
    expect(applyExtract('projects/p1/services/s', { prefix: 'projects/', suffix: '/' })).toBe('p1')
    expect(applyExtract('projects/p1', { prefix: 'projects/', suffix: '/' })).toBe('')
    expect(applyExtract('x', { prefix: 'y', suffix: '' })).toBe('')
  })
})

describe('daysFromCivil', () => {
  it('agrees with Date for a range of dates', () => {
    for (const [y, m, d] of [
      [1970, 1, 1],
      [2000, 2, 29],
      [1600, 3, 1],
      [2400, 12, 31],
      [1969, 12, 31],
    ] as const) {
      expect(daysFromCivil(y, m, d)).toBe(Date.UTC(y, m - 1, d) / 86_400_000)
    }
  })
})
