// `runiam config set|get|list|unset`: gcloud's properties for project, account, api_endpoint and
// run/region, stored in {configDir}/properties.json; the environment overrides the file.
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { readProperties, writeProperties } from '../settings/config-file.js'
import { canonicalProperty, KNOWN_PROPERTIES, propertyValue } from '../settings/settings.js'

function known(ctx: CommandContext): string {
  const raw = ctx.args.positionals['SECTION/PROPERTY'] as string
  const { section, name } = canonicalProperty(raw)
  const key = `${section}/${name}`
  if (!(key in KNOWN_PROPERTIES)) {
    const sections = new Set(Object.keys(KNOWN_PROPERTIES).map((k) => k.split('/')[0]))
    // Compat: gcloud's InvalidPropertyError / NoSuchPropertyError wording.
    if (!sections.has(section)) throw new CliError(`Section [${section}] does not exist.`)
    throw new CliError(`Section [${section}] has no property [${name}].`)
  }
  return key
}

export async function set(ctx: CommandContext): Promise<void> {
  const key = known(ctx)
  const value = ctx.args.positionals['VALUE'] as string
  if (key === 'core/api_endpoint' && !/^https?:\/\/[^/]+/.test(value)) {
    throw new CliError(
      `Invalid value for property [api_endpoint]: [${value}] is not an http:// or https:// URL.`,
    )
  }
  const { section, name } = canonicalProperty(key)
  const props = await readProperties(ctx.settings.configDir)
  props[section] = { ...(props[section] ?? {}), [name]: value }
  await writeProperties(ctx.settings.configDir, props)
  ctx.io.stderr(`Updated property [${key}].\n`)
}

export async function unset(ctx: CommandContext): Promise<void> {
  const key = known(ctx)
  const { section, name } = canonicalProperty(key)
  const props = await readProperties(ctx.settings.configDir)
  const sec = { ...(props[section] ?? {}) }
  delete sec[name]
  props[section] = sec
  await writeProperties(ctx.settings.configDir, props)
  ctx.io.stderr(`Unset property [${key}].\n`)
}

export async function get(ctx: CommandContext): Promise<void> {
  const key = known(ctx)
  const value = propertyValue(ctx.settings.properties, ctx.settings.env, key)
  if (value === undefined) ctx.io.stderr('(unset)\n')
  else ctx.io.stdout(`${value}\n`)
}

export async function list(ctx: CommandContext): Promise<void> {
  const bySection = new Map<string, string[]>()
  for (const key of Object.keys(KNOWN_PROPERTIES).sort()) {
    const value = propertyValue(ctx.settings.properties, ctx.settings.env, key)
    if (value === undefined) continue
    const { section, name } = canonicalProperty(key)
    bySection.set(section, [...(bySection.get(section) ?? []), `${name} = ${value}`])
  }
  let out = ''
  for (const [section, lines] of bySection) out += `[${section}]\n${lines.join('\n')}\n`
  ctx.io.stdout(out)
  ctx.io.stderr('\nYour active configuration is: [default]\n')
}
