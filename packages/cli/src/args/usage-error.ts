// A command line that does not parse: gcloud prints it with the usage and exits 2.
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
