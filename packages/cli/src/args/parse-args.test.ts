import { describe, expect, it } from 'vitest'
import { parseArgs } from './parse-args.js'
import type { ArgsSpec } from './spec.js'
import { UsageError } from './usage-error.js'

const spec: ArgsSpec = {
  positionals: [
    { name: 'SERVICE', help: '', required: true },
    { name: 'FILE', help: '' },
  ],
  flags: [
    { name: 'member', kind: 'string', required: true, aliases: ['principal'], help: '' },
    { name: 'role', kind: 'string', required: true, help: '' },
    { name: 'tag', kind: 'multi', help: '' },
    { name: 'quiet', kind: 'bool', short: 'q', help: '' },
    { name: 'allow-unauthenticated', kind: 'bool', negatable: true, help: '' },
    { name: 'condition', kind: 'string', help: '' },
    { name: 'condition-from-file', kind: 'string', help: '' },
  ],
  exclusive: [['condition', 'condition-from-file']],
}

const fails = (tokens: string[]): string => {
  try {
    parseArgs(tokens, spec)
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    return (err as Error).message
  }
  throw new Error('expected a UsageError')
}

describe('parseArgs', () => {
  it('accepts --flag=value, --flag value, aliases, short bools and positionals anywhere', () => {
    const a = parseArgs(['--member=user:a@x.com', 's1', '--role', 'roles/run.invoker', '-q'], spec)
    expect(a.positionals).toEqual({ SERVICE: 's1' })
    expect(a.flags.get('member')).toBe('user:a@x.com')
    expect(a.flags.get('role')).toBe('roles/run.invoker')
    expect(a.flags.get('quiet')).toBe(true)
    const b = parseArgs(['s', '--principal', 'allUsers', '--role=r', 'f.yaml'], spec)
    expect(b.flags.get('member')).toBe('allUsers')
    expect(b.positionals['FILE']).toBe('f.yaml')
  })

  it('keeps values containing = and commas intact', () => {
    const a = parseArgs(
      ['s', '--member=m', '--role=r', '--condition=^:^title=t:expression=a==b, c'],
      spec,
    )
    expect(a.flags.get('condition')).toBe('^:^title=t:expression=a==b, c')
  })

  it('handles --no- for negatable booleans only', () => {
    const a = parseArgs(['s', '--member=m', '--role=r', '--no-allow-unauthenticated'], spec)
    expect(a.flags.get('allow-unauthenticated')).toBe(false)
    expect(fails(['s', '--member=m', '--role=r', '--no-quiet'])).toBe(
      'unrecognized arguments: --no-quiet',
    )
  })

  it('accumulates repeated multi flags and keeps the last single value', () => {
    const a = parseArgs(
      ['s', '--member=a', '--member=b', '--role=r', '--tag=x', '--tag', 'y'],
      spec,
    )
    expect(a.flags.get('member')).toBe('b')
    expect(a.flags.get('tag')).toEqual(['x', 'y'])
  })

  it('treats everything after -- as positional', () => {
    const a = parseArgs(['--member=m', '--role=r', '--', '--weird'], spec)
    expect(a.positionals).toEqual({ SERVICE: '--weird' })
  })

  it('reports unknown flags and extra positionals as gcloud does', () => {
    expect(fails(['s', '--member=m', '--role=r', '--x', '--y=1'])).toBe(
      'unrecognized arguments: --x --y=1',
    )
    expect(fails(['s', 'f', 'extra', '--member=m', '--role=r'])).toBe(
      'unrecognized arguments: extra',
    )
  })

  it('reports every missing required argument at once', () => {
    expect(fails([])).toBe('argument SERVICE --member --role: Must be specified.')
    expect(fails(['s', '--member=m'])).toBe('argument --role: Must be specified.')
  })

  it('rejects a missing value, a value on a bool, and exclusive flags together', () => {
    expect(fails(['s', '--member'])).toBe('argument --member: expected one argument')
    expect(fails(['s', '--member', '--role=r'])).toBe('argument --member: expected one argument')
    expect(fails(['s', '--quiet=yes'])).toBe("argument --quiet: ignored explicit argument 'yes'")
    expect(
      fails(['s', '--member=m', '--role=r', '--condition=None', '--condition-from-file=f']),
    ).toBe(
      'argument --condition-from-file: At most one of --condition | --condition-from-file can be specified.',
    )
  })
})
