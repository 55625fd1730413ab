// Terminal I/O as an injectable value, so commands run in-process in tests with scripted stdin.

export interface Io {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** True when stdin is a terminal: only then does runiam prompt (gcloud's CanPrompt). */
  readonly stdinIsTty: boolean
  /** Reads one line from stdin (without the newline); undefined at end of input. */
  readonly readLine: () => Promise<string | undefined>
  /** Reads a file's text (policy and condition files). */
  readonly readFile: (path: string) => Promise<string>
}
