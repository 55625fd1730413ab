// Lint: typescript-eslint's recommended rules plus the import boundaries of DESIGN.md, enforced
// here rather than remembered. Each block names the layer it guards.
import tseslint from 'typescript-eslint'

const engines = ['@runiam/store/sqlite', '@runiam/store/postgres']

/**
 * One block per folder of packages/server/src: the sibling folders it may not import (relative
 * paths such as '../gateway/x.js' or '../../identity/y.js'), engines (only main.ts picks one),
 * and node modules a layer must not touch. Test files are composition roots and are exempt.
 */
function serverLayers(layers) {
  return layers.map(({ dir, why, forbid, nodeModules = [] }) => ({
    files: [`packages/server/src/${dir}/**/*.ts`],
    ignores: ['**/*.test.ts', '**/test-harness.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...engines.map((name) => ({ name, message: 'only main.ts picks a store engine' })),
            ...nodeModules.map((name) => ({ name, message: why })),
          ],
          patterns: [
            {
              group: forbid.flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../../../${f}/*`]),
              message: why,
            },
            { group: ['**/main.js', '**/serve.js'], message: 'only the entry points import main' },
          ],
        },
      ],
    },
  }))
}
const noNode = [{ group: ['node:*'], message: 'core and api are pure: no node:* imports' }]

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.runiam/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Only server/src/config and the CLI settings module read process.env',
        },
      ],
    },
  },
  {
    // A CommonJS file (the npm bin's launcher) has no other way to load a module than require.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [...noNode, { group: ['@runiam/*'], message: 'core imports nothing internal' }],
        },
      ],
    },
  },
  {
    files: ['packages/api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noNode,
            {
              group: ['@runiam/store*', '@runiam/server*', '@runiam/cli*'],
              message: 'api depends on core only',
            },
          ],
        },
      ],
    },
  },
  {
    // DESIGN.md: the console depends on api + core only, and runs in a browser (no node:*).
    files: ['packages/console/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'the console runs in a browser: no node:* imports' },
            {
              group: ['@runiam/store*', '@runiam/server*', '@runiam/cli*'],
              message: 'the console depends on api and core only',
            },
            {
              group: ['@runiam/core/conditions', '@runiam/core/authorizer'],
              message: 'the CEL engine is too big for the console: the server checks conditions',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/store/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@runiam/api*', '@runiam/server*', '@runiam/cli*'],
              message: 'store depends on core only',
            },
          ],
        },
      ],
    },
  },
  // packages/server's rooms (DESIGN.md, issue 6): who may import whom, so each rule has one home
  // and folders have no cycles. Tests and main.ts compose parts, as the composition root does.
  ...serverLayers([
    {
      dir: 'console',
      why: "the console's files are served from a folder; this room imports no other server room",
      forbid: [
        'admin',
        'gateway',
        'identity',
        'runtime',
        'config',
        'http',
        'services',
        'observability',
        'data-dir',
      ],
    },
    {
      dir: 'services',
      why: 'services import only core, store and services (transport-free, no identity, no runtime)',
      forbid: [
        'admin',
        'gateway',
        'identity',
        'runtime',
        'config',
        'http',
        'observability',
        'data-dir',
      ],
      nodeModules: ['node:http', 'node:net', 'node:fs', 'node:child_process'],
    },
    {
      dir: 'identity',
      why: 'identity verifies credentials; it reads no config and knows no transport surface',
      forbid: ['config', 'admin', 'gateway', 'http', 'runtime', 'observability', 'data-dir'],
    },
    {
      dir: 'runtime',
      why: 'runtime runs local processes; it does not import services or any surface',
      forbid: ['services', 'admin', 'gateway', 'identity', 'http', 'config', 'observability'],
    },
    {
      dir: 'observability',
      why: 'observability imports no transport',
      forbid: ['admin', 'gateway', 'http', 'identity', 'services', 'runtime', 'config'],
      nodeModules: ['node:http', 'node:net'],
    },
    {
      dir: 'admin',
      why: 'the admin API gets authentication and services injected; it never imports the gateway',
      forbid: ['gateway', 'identity', 'runtime', 'config', 'observability', 'data-dir'],
    },
    {
      dir: 'gateway',
      why: 'the gateway depends on the invoke check by type; it never imports the admin API',
      forbid: ['admin', 'identity', 'runtime', 'config', 'observability', 'data-dir'],
    },
    {
      dir: 'http',
      why: 'the front door routes to surfaces it is given; it imports none of them',
      forbid: ['admin', 'gateway', 'identity', 'runtime', 'config', 'observability', 'data-dir'],
    },
    {
      dir: 'portability',
      why: "export/import work over the Store interface and the services' rules; no surface, no engine",
      forbid: [
        'admin',
        'gateway',
        'identity',
        'runtime',
        'config',
        'http',
        'observability',
        'data-dir',
      ],
    },
    {
      dir: 'data-dir',
      why: 'the data folder helpers import nothing of the server',
      forbid: [
        'admin',
        'gateway',
        'identity',
        'runtime',
        'config',
        'http',
        'services',
        'observability',
      ],
    },
    {
      dir: 'config',
      why: 'config is a leaf: every part receives its settings, none reads config',
      forbid: [
        'admin',
        'gateway',
        'identity',
        'runtime',
        'http',
        'services',
        'observability',
        'data-dir',
      ],
    },
  ]),
  {
    // Type-aware rules: a promise nobody awaits loses its error; a switch over a union must name
    // every case, so a new decision kind or failure cannot fall through unnoticed.
    files: ['packages/*/src/**/*.{ts,tsx}', 'e2e/src/**/*.ts', 'bench/src/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    files: ['packages/cli/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@runiam/store*'], message: 'the CLI talks to the server over HTTP only' },
          ],
        },
      ],
    },
  },
  {
    files: [
      'packages/server/src/config/**/*.ts',
      'packages/cli/src/settings/**/*.ts',
      '**/*.test.ts',
      '**/*.fixtures.ts',
      'e2e/**/*.ts',
      'bench/**/*.ts',
      'scripts/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
)
