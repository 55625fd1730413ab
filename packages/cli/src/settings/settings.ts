// Resolved settings for one invocation: flag > environment > properties file > default (SPEC §6).
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { OutputRequest } from '../output/format.js'
import type { Env } from './env.js'
import { readProperties, type Properties } from './config-file.js'

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080'

/** The properties `runiam config` knows, as SECTION/NAME, with their environment variable. */
export const KNOWN_PROPERTIES: Readonly<Record<string, string | undefined>> = {
  'core/project': 'RUNIAM_PROJECT',
  'core/account': 'RUNIAM_ACCOUNT',
  'core/api_endpoint': 'RUNIAM_API_ENDPOINT',
  'run/region': 'RUNIAM_REGION',
}

export interface Settings {
  readonly configDir: string
  readonly endpoint: string
  readonly project: string | undefined
  readonly region: string | undefined
  readonly account: string | undefined
  /** --format; with --flatten or --filter, all three (output/output-flags.ts). */
  readonly format: string | OutputRequest | undefined
  readonly quiet: boolean
  /** RUNIAM_DEBUG=1: print stack traces of unexpected errors. */
  readonly debug: boolean
  /** The properties file as read (for `config list`). */
  readonly properties: Properties
  readonly env: Env
}

export interface FlagOverrides {
  readonly project?: string | undefined
  readonly region?: string | undefined
  readonly account?: string | undefined
  readonly format?: string | OutputRequest | undefined
  readonly quiet?: boolean | undefined
}

export function configDirOf(env: Env): string {
  const dir = env['RUNIAM_CONFIG_DIR']
  return dir !== undefined && dir !== '' ? dir : join(homedir(), '.config', 'runiam')
}

/** Canonical SECTION/NAME of a property as typed by a user ("project" → "core/project"). */
export function canonicalProperty(key: string): { section: string; name: string } {
  const slash = key.indexOf('/')
  return slash === -1
    ? { section: 'core', name: key }
    : { section: key.slice(0, slash), name: key.slice(slash + 1) }
}

/** The effective value of a property from the environment, then the file. */
export function propertyValue(props: Properties, env: Env, key: string): string | undefined {
  const envName = KNOWN_PROPERTIES[key]
  const fromEnv = envName === undefined ? undefined : env[envName]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const { section, name } = canonicalProperty(key)
  return props[section]?.[name]
}

export async function loadSettings(env: Env, flags: FlagOverrides): Promise<Settings> {
  const configDir = configDirOf(env)
  const properties = await readProperties(configDir)
  const pick = (flag: string | undefined, key: string): string | undefined =>
    flag !== undefined && flag !== '' ? flag : propertyValue(properties, env, key)
  return {
    configDir,
    endpoint: pick(undefined, 'core/api_endpoint') ?? DEFAULT_ENDPOINT,
    project: pick(flags.project, 'core/project'),
    region: pick(flags.region, 'run/region'),
    account: pick(flags.account, 'core/account'),
    format: flags.format,
    quiet: flags.quiet === true,
    debug: env['RUNIAM_DEBUG'] === '1',
    properties,
    env,
  }
}
