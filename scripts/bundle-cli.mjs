// Bundles the built CLI for start-up speed; `npm run build` runs it after tsc. Node 20 loads each
// ES module on its own (resolve, read, compile, link) and has no compile cache: a command that
// loads ~50 small modules spends more on that than on its own work. rolldown puts dist/cli.js and
// what it imports from the cli and api packages (and core's errors) into dist/bundle.cjs, which
// holds everything a plain API command runs (STARTUP), and dist/bundle.*.cjs chunks for the rest,
// each loaded only by the commands that use it. Everything else (the rest of core with its role
// catalog and CEL, yaml, the server) stays a package import, loaded from node_modules as before.
// The bundle is CommonJS so that the launcher can compile the entry with V8's code cache
// (run-bundle.ts: vm.Script, which runs scripts, not ES modules); a script compiled that way has no
// import(), so the entry must have none (checked here: node modules come from require or
// process.getBuiltinModule; the chunks, loaded by require, keep import() of ES module packages).
// It also builds the launcher, dist/bin.js with what it imports except the unbundled CLI, as the
// CommonJS script dist/bin.cjs, which the npm bin runs: a CommonJS entry spares every command
// Node's ES module loader (bin.ts). Last it writes the stamp (packages/cli/src/bundle-stamp.ts)
// without which the launcher never runs the bundle. Run: node scripts/bundle-cli.mjs (after tsc -b).
import { readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'rolldown'
import { removeStamp, writeStamp } from '../packages/cli/dist/bundle-stamp.js'

const dist = new URL('../packages/cli/dist/', import.meta.url)
const packages = fileURLToPath(new URL('../packages/', import.meta.url))
const ENTRY = 'bundle.cjs'
const LAUNCHER = 'bin.cjs'

/**
 * Specifiers bundled: relative ones (inside a bundled package), the api package, core's errors,
 * and the HTTP parser the API calls over plain http use (node-fetch.ts).
 */
const BUNDLED = /^(?:\.|\/|@runiam\/api(?:\/client)?$|@runiam\/core\/errors$|http-parser-js$)/

/**
 * The modules every API command runs (settings, credentials, the client, output formatting) and
 * the command the CLI benchmark times (get-iam-policy) and --version, as paths under packages/: they join the
 * entry file, so such a command reads and compiles one file. Each must match a module (checked).
 */
const STARTUP = [
  'cli/dist/settings/',
  'cli/dist/output/',
  'cli/dist/access-token.js',
  'cli/dist/make-client.js',
  'cli/dist/node-fetch.js',
  'cli/dist/commands/policy-target.js',
  'cli/dist/commands/get-iam-policy.js',
  'cli/dist/version.js',
  'api/dist/client/',
  'api/dist/reasons.js',
  'core/dist/errors/',
]

const underPackages = (id) => relative(packages, id).split('\\').join('/')
/**
 * The folder of the node_modules package `id` is in (wherever that node_modules is: a parent
 * folder's, or a symlinked package's real path), else undefined.
 */
const dependencyDir = (id) =>
  /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id)?.[1]
/** The package name of a dependencyDir. */
const dependencyName = (dir) => dir?.split(/[\\/]node_modules[\\/]/).pop()
/** Dependencies bundled into the entry (all of each: node-fetch.ts imports it statically). */
const STARTUP_DEPENDENCIES = ['http-parser-js']
const startup = (id) =>
  STARTUP.some((p) => underPackages(id).startsWith(p)) ||
  STARTUP_DEPENDENCIES.includes(dependencyName(dependencyDir(id)))

// The stamp goes first: from here until it is rewritten, bin.ts runs dist/cli.js.
removeStamp(dist)
for (const f of readdirSync(dist)) {
  // Also the ES module bundle.js and bundle.*.js of builds before the bundle was CommonJS.
  if (f.startsWith('bundle.') && (f.endsWith('.js') || f.endsWith('.cjs'))) rmSync(new URL(f, dist))
}
// Until it is rewritten the npm bin runs dist/bin.js, which checks the (now missing) stamp.
rmSync(new URL(LAUNCHER, dist), { force: true })

const input = fileURLToPath(new URL('cli.js', dist))
const { output } = await build({
  input: { cli: input },
  platform: 'node',
  preserveEntrySignatures: false,
  external: (id) => !BUNDLED.test(id),
  checks: { ineffectiveDynamicImport: false },
  logLevel: 'warn',
  output: {
    dir: fileURLToPath(dist),
    format: 'cjs',
    entryFileNames: ENTRY,
    chunkFileNames: 'bundle.[name]-[hash].cjs',
    comments: false,
    codeSplitting: {
      // The entry module, STARTUP and their static imports: one group, emitted as the entry.
      groups: [{ name: 'startup', test: (id) => id === input || startup(id) }],
    },
  },
})

const chunks = output.filter((o) => o.type === 'chunk')
const entry = chunks.find((c) => c.isEntry)
if (entry?.fileName !== ENTRY) throw new Error(`bundle-cli: expected entry ${ENTRY}`)
if (/\bimport\s*\(/.test(entry.code)) {
  throw new Error(
    `bundle-cli: ${ENTRY} contains import(), which fails in the code-cached entry (run-bundle.ts); ` +
      'load node modules with process.getBuiltinModule, or move the module out of STARTUP',
  )
}
const inEntry = entry.moduleIds.filter((id) => !id.startsWith('\0'))
for (const d of STARTUP_DEPENDENCIES) {
  if (!inEntry.some((id) => dependencyName(dependencyDir(id)) === d)) {
    throw new Error(`bundle-cli: ${d} is not in ${ENTRY}; update STARTUP_DEPENDENCIES`)
  }
}
for (const p of STARTUP) {
  if (!inEntry.some((id) => underPackages(id).startsWith(p))) {
    throw new Error(`bundle-cli: no module of packages/${p} is in ${ENTRY}; update STARTUP`)
  }
}

// The launcher: bin.js and its static imports in one script; the unbundled CLI it falls back to
// stays an import() of dist/cli.js.
const cliJs = fileURLToPath(new URL('cli.js', dist))
const launcher = await build({
  input: fileURLToPath(new URL('bin.js', dist)),
  platform: 'node',
  external: (id, importer) =>
    !/^[./]/.test(id) ||
    id === cliJs ||
    (id === './cli.js' && importer !== undefined && join(dirname(importer), id) === cliJs),
  logLevel: 'warn',
  output: {
    file: fileURLToPath(new URL(LAUNCHER, dist)),
    format: 'cjs',
    comments: false,
    codeSplitting: false,
  },
})
const launcherCode = launcher.output[0].code
// One file, whose only import() is the fallback to the unbundled CLI: any other would start the ES
// module loader the CommonJS launcher is there to avoid.
if (
  launcher.output.length !== 1 ||
  launcherCode.match(/\bimport\s*\(/g)?.length !== 1 ||
  !launcherCode.includes('import("./cli.js")')
) {
  throw new Error(`bundle-cli: ${LAUNCHER} must be one file whose only import() is of ./cli.js`)
}

// Every package whose code is in the bundle: its tsc build info goes into the stamp, and for a
// dependency from node_modules its package.json (npm rewrites it when it installs another version).
const bundledPackages = new Set()
const dependencies = new Set()
for (const c of chunks) {
  for (const id of c.moduleIds) {
    if (id.startsWith('\0')) continue
    const dep = dependencyDir(id)
    if (dep !== undefined) {
      dependencies.add(dep)
      continue
    }
    const m = /^([^/]+)\/dist\//.exec(underPackages(id))
    if (m === null) throw new Error(`bundle-cli: ${id} is not a built workspace package module`)
    bundledPackages.add(m[1])
  }
}
const fromDist = (path) => relative(fileURLToPath(dist), path).split('\\').join('/')
const buildInfos = [
  ...[...bundledPackages].sort().map((p) => fromDist(`${packages}${p}/dist/.tsbuildinfo`)),
  ...[...dependencies].sort().map((d) => fromDist(join(d, 'package.json'))),
]
writeStamp(dist, ENTRY, buildInfos)
console.log(
  `bundle-cli: packages/cli/dist/${ENTRY} (${Math.round(entry.code.length / 1024)} KiB, ` +
    `${inEntry.length} modules) + ${chunks.length - 1} chunks, from ${[...bundledPackages].sort().join(', ')} and ${[...dependencies].map(dependencyName).join(', ')}; ` +
    `launcher packages/cli/dist/${LAUNCHER} (${Math.round(launcherCode.length / 1024)} KiB)`,
)
