// Reads a JSON or YAML file the way gcloud's policy and condition files are read: JSON first,
// then YAML (loaded only here, so commands that never read a file never load the yaml package).
import { CliError } from './cli-error.js'
import type { Io } from './io.js'

export async function readFileText(io: Io, path: string): Promise<string> {
  try {
    return await io.readFile(path)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why = e.code === 'ENOENT' ? '[Errno 2] No such file or directory' : e.message
    throw new CliError(`Unable to read file [${path}]: ${why}`)
  }
}

/** The parsed document, or undefined when it is neither valid JSON nor valid YAML. */
export async function parseJsonOrYaml(text: string): Promise<unknown> {
  try {
    return JSON.parse(text) as unknown
  } catch {
    // not JSON: try YAML
  }
  const { parse } = await import('yaml')
  try {
    return parse(text) as unknown
  } catch {
    return undefined
  }
}
