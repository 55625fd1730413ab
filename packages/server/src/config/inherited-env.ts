// The few variables of the server's own environment that local service processes inherit (the
// runtime gets them from here because only config/ reads process.env). Cloud Run containers get
// a clean environment; PATH, HOME and LANG are what a command line needs to start at all.

const INHERITED = ['PATH', 'HOME', 'LANG'] as const

export function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of INHERITED) {
    const value = process.env[name]
    if (value !== undefined) out[name] = value
  }
  return out
}
