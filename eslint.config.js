// Lint rules: typescript-eslint's type-checked recommended set over the sources and tests
// (type information from tsconfig.json); plain recommended rules for the JavaScript config files.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      // Generator processes (function* expressions) reach their object through an alias.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    // The model's code: a generator function created per call (a function* expression, a
    // generator nested in a function, an object literal's generator method) gets a hidden class
    // of its own at its first call, and that keeps the function and all it closes over (a run's
    // devices) alive through every young-generation GC until the next full one. Generators are
    // class methods or module-level functions there. Tests may create them freely.
    files: ['sim/**/*.ts', 'vmm/**/*.ts', 'device/**/*.ts', 'metrics/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: ':function :not(MethodDefinition) > FunctionExpression[generator=true]',
          message: 'a generator function created per call keeps its closure alive through every scavenge: make it a class method or a module-level function* taking what it needs',
        },
        {
          selector: ':function FunctionDeclaration[generator=true]',
          message: 'a generator function created per call keeps its closure alive through every scavenge: make it a class method or a module-level function* taking what it needs',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
);
