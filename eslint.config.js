// Lint: typescript-eslint's recommended rules plus the import boundaries of DESIGN.md, enforced
// here rather than remembered. Each block names the layer it guards.
import tseslint from 'typescript-eslint'

const engines = ['@runiam/store/sqlite', '@runiam/store/postgres']
const noNode = [{ group: ['node:*'], message: 'core and api are pure: no node:* imports' }]

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.runiam/**', 'packages/console/**'] },
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
  {
    files: ['packages/server/src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: engines.map((name) => ({
            name,
            message: 'services see the Store interface, never an engine',
          })),
          patterns: [
            {
              group: ['**/admin/**', '**/gateway/**', 'node:http'],
              message: 'services are transport-free',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/server/src/admin/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: engines.map((name) => ({ name, message: 'only main.ts picks an engine' })),
          patterns: [
            { group: ['**/gateway/**'], message: 'admin and gateway never import each other' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/server/src/gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: engines.map((name) => ({ name, message: 'only main.ts picks an engine' })),
          patterns: [
            { group: ['**/admin/**'], message: 'admin and gateway never import each other' },
          ],
        },
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
      'e2e/**/*.ts',
      'bench/**/*.ts',
      'scripts/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
)
