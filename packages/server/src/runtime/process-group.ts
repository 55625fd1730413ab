// A container's command as a local process in its own process group, so that stopping it also
// stops whatever it started (sh -c …): starting it in its working directory (created owner-only)
// and signalling the group.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'

/** Starts `file` with `args` in `cwd` (created if missing), its output piped, as a group leader. */
export function spawnGroup(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
): ChildProcess {
  mkdirSync(cwd, { recursive: true, mode: 0o700 })
  return spawn(file, [...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
}

/** Sends `signal` to the child's process group (else to the child alone, if that fails). */
export function signalGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  const pid = child?.pid
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      child?.kill(signal)
    } catch {
      // Already gone.
    }
  }
}
