// `npm run bench`: every benchmark, one after the other, each printing its JSON lines.
import { runAuthFloodBench } from './auth-flood-bench.js'
import { runAuthorizerBench } from './authorizer-bench.js'
import { runAnalyzerBench } from './analyzer-bench.js'
import { runAnalyzerHttpBench } from './analyzer-http-bench.js'
import { runCliBench } from './cli-bench.js'
import { runConsoleBench } from './console-bench.js'
import { runGatewayBench } from './gateway-bench.js'
import { runPropagationBench } from './propagation-bench.js'
import { runGetPolicyBench } from './get-policy-bench.js'
import { runScaleBench } from './scale-bench.js'
import { runStallBench } from './stall-bench.js'
import { runWriteBench } from './write-bench.js'

runAuthorizerBench()
runScaleBench()
runAnalyzerBench()
await runCliBench()
await runGatewayBench()
await runStallBench()
await runAuthFloodBench()
await runPropagationBench()
await runWriteBench()
await runGetPolicyBench()
await runAnalyzerHttpBench()
await runConsoleBench()
