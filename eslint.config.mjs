// ESLint for the TypeScript (issue 10: habits that keep the house in shape). typescript-eslint's
// recommended rules, with the project's own conventions where they differ:
// - require() inside functions is how modules are loaded lazily, off the start-up path (DESIGN.md);
// - tests may use `any` for parsed JSON and hand-built configs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'src/generated/**', 'rootfs-cache/**', 'demo/**', 'bench/floor'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { rules: { 'no-empty': ['error', { allowEmptyCatch: true }] } },
  {
    files: ['test/**/*.ts', 'conformance/**/*.ts', 'fuzz/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', Buffer: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
