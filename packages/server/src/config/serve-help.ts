// `runiam serve --help`: the flags, rendered from the parser's own table (load.ts FLAGS), so the
// help lists exactly what `serve` accepts.
import { CONFIG_FLAG, FLAGS, type ServeFlag } from './load.js'

/** `--name=METAVAR`, `--name` or `--[no-]name` for a boolean. */
function usageOf(name: string, flag: ServeFlag): string {
  if (flag.kind === 'bool') return `--[no-]${name.slice(2)}`
  return `${name}=${flag.metavar ?? flag.key.toUpperCase()}`
}

/** The help text of `runiam serve`, in gcloud's layout. */
export function serveHelp(): string {
  const rows = Object.entries(FLAGS).map(([name, flag]) => ({
    usage: usageOf(name, flag),
    help: flag.help,
  }))
  rows.push({ usage: `${CONFIG_FLAG.name}=${CONFIG_FLAG.metavar}`, help: CONFIG_FLAG.help })
  const lines = ['runiam serve']
  for (const r of rows) {
    const word = `[${r.usage}]`
    const last = lines.length - 1
    if ((lines[last] as string).length + word.length + 1 > 92) lines.push(`    ${word}`)
    else lines[last] = `${lines[last] as string} ${word}`
  }
  let text =
    'NAME\n    runiam serve - run the runiam server: admin API, invoker gateway, token issuer\n\n'
  text += `SYNOPSIS\n${lines.map((l) => `    ${l}\n`).join('')}\nFLAGS\n`
  for (const r of rows) text += `    ${r.usage}\n        ${r.help}\n`
  text +=
    '\nOne port serves everything: requests whose Host is a service host go to the invoker gateway,\nthe rest is the admin API. `npm start` runs `runiam serve --dev --demo`.\n'
  return text
}
