import { describe, expect, it } from 'vitest'
import { sha256, toBase64, toHex, utf8 } from './sha256.js'

describe('sha256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    ['a'.repeat(1_000_000), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
    // 55 and 56 bytes: the padding boundary where the length no longer fits in the first block.
    ['a'.repeat(55), '9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318'],
    ['a'.repeat(56), 'b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a'],
  ])('digest of %#', (input, hex) => {
    expect(toHex(sha256(input))).toBe(hex)
  })

  it('encodes UTF-8 like TextEncoder', () => {
    expect([...utf8('aé€😀')]).toEqual([0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80])
    expect([...utf8('\ud800')]).toEqual([0xef, 0xbf, 0xbd])
  })

  it.each([
    [[], ''],
    [[1], 'AQ=='],
    [[1, 2], 'AQI='],
    [[77, 97, 110], 'TWFu'],
    [[255, 255, 255, 255], '/////w=='],
  ])('base64 of %j is %s', (bytes, b64) => {
    expect(toBase64(Uint8Array.from(bytes))).toBe(b64)
  })
})
