import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// src/core is pure: no platform SDKs, no I/O. node:crypto is allowed for hashing.
const forbiddenInCore = {
  patterns: [
    { group: ['@forge/*'], message: 'src/core is pure: Forge belongs in src/forge.' },
    { group: ['@linear/*'], message: 'src/core is pure: Linear belongs in linear-adapter/.' },
    {
      group: [
        'fs', 'fs/*', 'node:fs', 'node:fs/*', 'http', 'https', 'http2', 'node:http', 'node:https', 'node:http2',
        'net', 'node:net', 'tls', 'node:tls', 'dgram', 'node:dgram', 'child_process', 'node:child_process',
        'undici', 'node-fetch', 'axios',
      ],
      message: 'src/core is pure: file system and network I/O belong in an adapter.',
    },
    {
      group: ['pg', 'pg-*', '@electric-sql/*', 'kysely', 'kysely-*', 'sqlite3', 'better-sqlite3', 'mysql2', 'redis', 'ioredis'],
      message: 'src/core is pure: databases are reached through the storage port (src/core/store.ts).',
    },
    {
      group: ['../*', '!../core', '!../core/*'],
      message: 'src/core must not import from an adapter.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', 'bin/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', forbiddenInCore],
      // Dynamic loading would slip past the import rule, so the core does without it.
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression', message: 'src/core is pure: no dynamic import; pass what you need in.' },
        { selector: "CallExpression[callee.name='require']", message: 'src/core is pure: no require(); pass what you need in.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
  },
  // CommonJS scripts (.ci/, bin/) load modules with require by design.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
