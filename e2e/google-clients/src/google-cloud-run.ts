// @google-cloud/run for the end-to-end tests. Every 4.x release (and its google-gax 6) declares
// node >=22, so it is kept out of the default `npm install`, which must print no engine warnings
// on Node 20: this folder pins it in its own package.json and lock, and the first test to need it
// installs that copy here (`npm ci`, from the local cache when it can). Errors then decode as
// GoogleErrors with gRPC codes, which gax 6 gives and gax 5 (@google-cloud/run 3.x) does not.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type * as GoogleCloudRun from '@google-cloud/run'

const HERE = new URL('..', import.meta.url)
const PACKAGE = '@google-cloud/run'

function pinned(): string {
  const pkg = JSON.parse(readFileSync(new URL('package.json', HERE), 'utf8')) as {
    dependencies: Record<string, string>
  }
  return pkg.dependencies[PACKAGE] as string
}

function installedVersion(): string | undefined {
  const file = new URL(`node_modules/${PACKAGE}/package.json`, HERE)
  if (!existsSync(file)) return undefined
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

/** Installs this folder's lockfile once; parallel test workers wait for the one installing. */
async function ensureInstalled(): Promise<void> {
  const want = pinned()
  const lock = new URL('node_modules.lock', HERE)
  for (;;) {
    if (installedVersion() === want) return
    try {
      mkdirSync(lock)
    } catch {
      // Another worker is installing; a lock older than five minutes is left from a crash.
      if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true })
      await sleep(250)
      continue
    }
    try {
      if (installedVersion() !== want) {
        execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], {
          cwd: HERE,
          stdio: ['ignore', 'ignore', 'pipe'],
        })
      }
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  }
}

/** The installed @google-cloud/run module. */
export async function googleCloudRun(): Promise<typeof GoogleCloudRun> {
  await ensureInstalled()
  // A computed specifier: resolved when called, after the install, not when this file loads.
  const specifier: string = PACKAGE
  return (await import(specifier)) as typeof GoogleCloudRun
}
