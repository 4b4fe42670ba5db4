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
    },
  },
  {
    // The model's code: two ways a closure made per run keeps all it closes over (a run's
    // devices) alive through every young-generation GC until the next full one, so that every
    // run's objects are copied and promoted by the scavenges after it. A generator function
    // created per call (a function* expression, a generator nested in a function) gets a hidden
    // class of its own at its first call; generators are class methods or module-level functions
    // there. And V8 allocates a function literal assigned straight to a property in the old
    // generation (it takes it for a method); such closures are class fields, object-literal
    // members, or built into a local first. Tests may create them freely.
    files: ['sim/**/*.ts', 'vmm/**/*.ts', 'device/**/*.ts', 'metrics/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: ':function :matches(:not(MethodDefinition) > FunctionExpression, FunctionDeclaration)[generator=true]',
          message: 'a generator function created per call keeps its closure alive through every scavenge: make it a class method or a module-level function* taking what it needs',
        },
        {
          selector: 'AssignmentExpression[left.type="MemberExpression"] > :matches(ArrowFunctionExpression, FunctionExpression).right',
          message: 'V8 allocates a function written straight into a property (`this.f = () => …`) in the old generation, where it keeps its closure (a run) alive through every scavenge: make it a class field (`f = () => …`), or build it first (`const f = …; this.f = f`)',
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
