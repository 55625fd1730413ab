// gcloud's list and dict flag values as `run worker-pools deploy` reads them (--command, --args,
// --*-env-vars, --labels): commas, the ^DELIM^ alternate delimiter, and an empty value clearing.
import { describe, expect, it } from 'vitest'
import { CliError } from '../cli-error.js'
import { splitDict, splitList } from './run-worker-pools.js'

describe('splitList', () => {
  it('splits on commas, or on the delimiter named between carets', () => {
    expect(splitList('node,worker.js')).toEqual(['node', 'worker.js'])
    expect(splitList('^|^-e|f(1, 2)')).toEqual(['-e', 'f(1, 2)'])
    expect(splitList('^::^a::b,c')).toEqual(['a', 'b,c'])
    expect(splitList('')).toEqual([])
  })
})

describe('splitDict', () => {
  it('reads KEY=VALUE pairs; a value may hold =', () => {
    expect(splitDict('set-env-vars', 'A=1,B=x=y')).toEqual({ A: '1', B: 'x=y' })
    expect(splitDict('set-env-vars', '^;^A=1,2;B=')).toEqual({ A: '1,2', B: '' })
  })

  it("refuses an item without a key, naming the flag as gcloud's argparse does", () => {
    expect(() => splitDict('update-env-vars', 'A=1,oops')).toThrow(CliError)
    expect(() => splitDict('update-env-vars', '=1')).toThrow(
      /argument --update-env-vars: Bad syntax for dict arg: \[=1\]/,
    )
  })
})
