// The authorizer interns every member it compiles as the engine's internalized string (core's
// interned-members.ts). Done with a fresh `{ [member]: 0 }` per member, that named a transition
// after each member on the map every `{}` starts from; past ~1,500 members V8 stopped sharing
// maps there, and from then on, in the whole server process, objects built alike each got a hidden
// class of their own (property reads on them, a check's `request.permission` among them, went
// megamorphic). Core may not import node:*, so this is checked here, in a server process's terms.
import { setFlagsFromString } from 'node:v8'
import { compilePolicy } from '@runiam/core/authorizer'
import { expect, test } from 'vitest'

setFlagsFromString('--allow-natives-syntax')
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
  a: object,
  b: object,
) => boolean

test('compiling policies that name thousands of members keeps objects built alike on one hidden class', () => {
  for (let i = 0; i < 3_000; i++) {
    compilePolicy(`projects/p${i}`, {
      bindings: [{ role: 'roles/run.invoker', members: [`user:hidden-class-${i}@example.com`] }],
    })
  }
  const build = (value: string): { hiddenClassProbe?: string } => {
    const o: { hiddenClassProbe?: string } = {}
    o.hiddenClassProbe = value
    return o
  }
  expect(sameMap(build('a'), build('b'))).toBe(true)
})
