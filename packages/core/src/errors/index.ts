// @runiam/core/errors: the error type, its codes and the reason catalog alone, for consumers that
// raise or decode errors but need nothing else of core (the API client in the CLI: loading the
// whole of core, its role catalog included, costs a CLI command more than its own work).
export * from './code.js'
export * from './iam-error.js'
export * from './reasons.js'
