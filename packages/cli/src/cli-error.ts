// A client-side failure gcloud reports without a status word, e.g. "Policy binding with the
// specified principal and role not found!". Printed as `ERROR: (runiam.X) message`.
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 1) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}
