// The one place the CLI reads the process environment (lint allows process.env only here).
export type Env = Readonly<Record<string, string | undefined>>

export function processEnv(): Env {
  return process.env
}
