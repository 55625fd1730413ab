// @runiam/core: pure IAM model. No I/O, no node:*, time is a parameter.
// The CEL-based parts live behind '@runiam/core/conditions' and '@runiam/core/authorizer' so that
// light consumers (the CLI) do not pay for loading the CEL engine.
export * from './errors/code.js'
export * from './errors/iam-error.js'
export * from './policy/types.js'
