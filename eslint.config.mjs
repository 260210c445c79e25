// Flat ESLint config. Type-aware rules run everywhere (no-floating-promises is the one rule a
// Temporal codebase never drops). Product code depends one way: workflows/ (shared definitions)
// <- okta/ <- activities/ <- worker/, and codec/ <- runs/ <- client/; workflow code also imports no Node
// built-ins, because it runs in Temporal's deterministic sandbox.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

/** A relative import of one of the top-level folders `names` (a regex alternation), from any depth. */
const folders = (names) => `^(\\.\\./)+(${names})(/.*)?$`;
/** Workflow code (everything in workflows/ but the shared definitions). */
const workflowCode = '^(\\.\\./)+workflows(?!/definitions$)(/.*)?$';

/** What each product layer may not import, and why. */
const layers = {
  workflows: [
    {
      regex: folders('activities'),
      allowTypeImports: true,
      message: 'workflows/ imports activity types only: activities run outside the sandbox, through proxyActivities.',
    },
    {
      regex: folders('okta|runs|worker|client|codec'),
      message:
        'workflows/ may not import okta/, runs/, worker/, client/ or codec/: workflow code runs in the deterministic sandbox and does no I/O; payloads are encrypted outside it.',
    },
  ],
  codec: [
    {
      regex: folders('workflows|okta|activities|runs|worker|client'),
      message:
        'codec/ may not import the other layers: the payload codec sits beneath every Temporal client and worker, and knows no payload.',
    },
  ],
  okta: [
    {
      regex: workflowCode,
      message:
        'okta/ may import workflows/definitions only: the Okta layer sits beneath the activities, not beside the workflow code.',
    },
    {
      regex: folders('activities|runs|worker|client'),
      message:
        'okta/ may not import activities/, runs/, worker/ or client/: they are built on the Okta layer, not under it.',
    },
  ],
  runs: [
    {
      regex: workflowCode,
      allowTypeImports: true,
      message:
        'runs/ imports workflow functions as types only (to type handles): workflow code runs in the worker’s sandbox.',
    },
    {
      regex: folders('activities|worker|client'),
      message:
        'runs/ may not import activities/, worker/ or client/: the runs layer sits beneath the CLI and intake, beside the worker.',
    },
  ],
  activities: [
    {
      regex: workflowCode,
      message:
        'activities/ may import workflows/definitions only: activities are the Okta calls workflows make, not workflow code.',
    },
    {
      regex: folders('worker|client'),
      message:
        'activities/ may not import worker/ or client/: the worker hosts the activities, and the CLI and intake only start and steer runs.',
    },
  ],
  worker: [
    {
      regex: workflowCode,
      allowTypeImports: true,
      message: 'worker/ imports workflow code as types only: it loads workflows by path, into the sandbox.',
    },
    {
      regex: folders('client'),
      message: 'worker/ may not import client/: the CLI and intake are separate processes beside the worker.',
    },
  ],
  client: [
    {
      regex: workflowCode,
      allowTypeImports: true,
      message: 'client/ imports workflow functions as types only: workflow code runs in the worker’s sandbox.',
    },
    {
      regex: folders('activities'),
      allowTypeImports: true,
      message:
        'client/ imports activity types only: activities run in the worker; the CLI and intake go through runs/.',
    },
    {
      regex: folders('worker'),
      message:
        'client/ may not import worker/: the CLI and intake start and steer runs through runs/, they do not host workers.',
    },
  ],
};

/** No product layer imports development tools, tests or the Okta emulator (only tests, the demo and the benchmark start it). */
const productOnly = (layer) => [
  {
    regex: folders('tools|test|packages'),
    message: `${layer}/ may not import tools/, test/ or packages/: product code stands apart from development code.`,
  },
  {
    regex: '^@okta-offboarding/okta-emulator(/.*)?$',
    message: `${layer}/ may not import the Okta emulator: product code talks to Okta through @okta/okta-sdk-nodejs only.`,
  },
];

const layerRules = Object.entries(layers).map(([layer, patterns]) => ({
  files: [`${layer}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths:
          layer === 'workflows'
            ? nodeBuiltins.map((name) => ({
                name,
                message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.',
              }))
            : [],
        patterns: [...patterns, ...productOnly(layer)],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', '.demo/', 'bench-results/', 'rehearsal-results/', 'chaos-results/', '**/bin/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules,
  {
    // worker/bundle.ts loads every workflow module once and shares it between all the runs of a worker thread:
    // state at module scope would leak from one run into the next.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'Program > VariableDeclaration[kind!="const"], ExportNamedDeclaration > VariableDeclaration[kind!="const"]',
          message:
            'No `let` or `var` at module scope in workflows/: its modules are shared by every run of a worker thread (worker/bundle.ts); keep state inside the workflow function.',
        },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearInterval: 'readonly',
        setInterval: 'readonly',
      },
    },
  },
  // Layout is prettier's (npm run format); no lint rule argues with it.
  prettier,
);
