// runiam's properties file ({configDir}/properties.json): gcloud's `config set` store, grouped by
// section like gcloud's (core/project, core/account, core/api_endpoint, run/region).
// Reads are synchronous and node:fs/promises loads only for a write: every API command reads this
// file and the credentials before its one request, and loading fs/promises was a measurable part
// of such a command's start-up (issue 8).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export type Properties = Record<string, Record<string, string>>

export const PROPERTIES_FILE = 'properties.json'

export async function readProperties(configDir: string): Promise<Properties> {
  let text: string
  try {
    text = readFileSync(join(configDir, PROPERTIES_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null ? (parsed as Properties) : {}
  } catch {
    throw new Error(
      `The properties file [${join(configDir, PROPERTIES_FILE)}] is not valid JSON; fix or delete it.`,
    )
  }
}

/** Writes atomically (temp file + rename) so a crash never leaves half a file. */
export async function writeJsonFile(
  configDir: string,
  name: string,
  value: unknown,
  mode: number,
): Promise<void> {
  const { mkdir, rename, writeFile } = process.getBuiltinModule('node:fs/promises')
  await mkdir(configDir, { recursive: true, mode: 0o700 })
  const path = join(configDir, name)
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode })
  await rename(tmp, path)
}

export async function writeProperties(configDir: string, props: Properties): Promise<void> {
  await writeJsonFile(configDir, PROPERTIES_FILE, props, 0o644)
}
