// schema.ts — `svqsim schema [--profile]`: print the JSON Schema of scenario (or profile) files.

import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { profileJsonSchema, scenarioJsonSchema } from '../../scenario/index.js';

export function registerSchemaCommand(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editor completion), or of profile files')
    .option('--profile', 'the schema of device profile files instead')
    .addHelpText('after', '\nExample (VS Code, YAML extension):\n  svqsim schema > svqsim.schema.json\n  # then in a scenario: # yaml-language-server: $schema=./svqsim.schema.json\n')
    .action((opts: { profile?: boolean }) => {
      const schema = opts.profile ? profileJsonSchema() : scenarioJsonSchema();
      io.stdout(JSON.stringify(schema, null, 2) + '\n');
    });
}
