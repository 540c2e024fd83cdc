// Lint rules double as the process fence: the folder says where a file may run (see docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'http', 'net'];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // Only the Electron shell (main/electron-main) and the preload bridge may import electron.
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs', '**/*.js'],
    ignores: ['main/electron-main/**', 'preload/preload.electron.ts', 'tests/unit/electron-*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Only main/electron-main imports electron.' }] },
      ],
    },
  },
  // Shared code (contract, main/common) runs in every process: no Node, no Electron, no DOM.
  {
    files: ['preload/contract/**', 'main/common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, 'electron', 'better-sqlite3', 'onnxruntime-node'],
              message: 'common code is process-neutral',
            },
          ],
        },
      ],
    },
  },
  // Imports go downward only: native-models (engines, DSP, WAV I/O, the error type) never reaches up into main/.
  {
    files: ['native-models/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only main/electron-main imports electron.' }],
          patterns: [{ group: ['**/main/**'], message: 'native-models sits below main/: move the shared piece down.' }],
        },
      ],
    },
  },
  // The renderer is a browser page: no Node, no core services; it talks only to the typed API.
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...nodeBuiltins, 'electron'], message: 'The renderer has no Node or Electron access.' },
            {
              group: ['**/main/**', '**/native-models/**'],
              message: 'The renderer talks only to the typed API (preload/contract).',
            },
          ],
        },
      ],
    },
  },
);
