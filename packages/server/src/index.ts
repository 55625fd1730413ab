// @runiam/server: `serve` for the CLI, `startServer` for tests and embedding.
import './identity/reasons.js'
import './portability/portability-reasons.js'
import './cluster/reasons.js'
export { serve } from './serve.js'
export { opsCommand, type OpsCommand } from './ops.js'
export { startServer, type RunningServer } from './main.js'
export { loadConfig } from './config/load.js'
export type { ServerConfig } from './config/schema.js'
