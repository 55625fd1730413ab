// gcloud's --flatten=KEY[,…] (`gcloud topic flatten`): each list a key passes through, and the
// list the key ends on, is expanded into one record per item, the item standing where the list
// was. `--flatten="bindings[].members"` turns a policy into one record per (binding, member),
// each with `bindings.role` and `bindings.members` single values, which is what
// `table(bindings.role, bindings.members)` then prints. A record whose list is empty stays, with
// null there; a key that is not a list leaves the record as it is.
import type { KeyPart, ResourceKey } from './resource-key.js'

type Path = readonly (string | number)[]

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function get(value: unknown, path: Path): unknown {
  let cur = value
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) return undefined
      cur = cur[step < 0 ? cur.length + step : step]
    } else {
      if (!isRecord(cur)) return undefined
      cur = cur[step]
    }
  }
  return cur
}

/** A copy of `value` with `path` set to `item` (the containers along the path are copied). */
function setAt(value: unknown, path: Path, item: unknown): unknown {
  if (path.length === 0) return item
  const [step, ...rest] = path as [string | number, ...(string | number)[]]
  if (typeof step === 'number' && Array.isArray(value)) {
    const copy = [...value]
    const i = step < 0 ? copy.length + step : step
    copy[i] = setAt(copy[i], rest, item)
    return copy
  }
  const base = isRecord(value) ? value : {}
  return { ...base, [String(step)]: setAt(base[String(step)], rest, item) }
}

/** The key cut at its `[]` slices: each level is expanded in turn (the last one too). */
function levels(key: ResourceKey): Path[] {
  const out: (string | number)[][] = [[]]
  for (const part of key as readonly KeyPart[]) {
    if (part === null) out.push([])
    else (out[out.length - 1] as (string | number)[]).push(part)
  }
  if ((out[out.length - 1] as Path).length === 0) out.pop()
  return out
}

function expand(record: unknown, lv: readonly Path[], i: number, prefix: Path): unknown[] {
  if (i === lv.length) return [record]
  const path = [...prefix, ...(lv[i] as Path)]
  const value = get(record, path)
  if (!Array.isArray(value)) return expand(record, lv, i + 1, path)
  if (value.length === 0) return [setAt(record, path, null)]
  return value.flatMap((item) => expand(setAt(record, path, item), lv, i + 1, path))
}

/** The records `--flatten` makes of one resource, for each key in turn. */
export function flattenRecords(resource: unknown, keys: readonly ResourceKey[]): unknown[] {
  let records = [resource]
  for (const key of keys) {
    const lv = levels(key)
    records = records.flatMap((r) => expand(r, lv, 0, []))
  }
  return records
}
