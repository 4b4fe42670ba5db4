// completion.ts — `svqsim completion bash|zsh`: print a shell completion script for every command.

import { Argument, type Command } from 'commander';
import type { CliIo } from '../io.js';
import { bashCompletion, zshCompletion } from '../completion.js';

export function registerCompletionCommand(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh) for every command and option')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      `
Install:
  bash  svqsim completion bash > ~/.local/share/bash-completion/completions/svqsim
        (or eval "$(svqsim completion bash)" in ~/.bashrc)
  zsh   svqsim completion zsh > "\${fpath[1]}/_svqsim"
        (or source <(svqsim completion zsh) in ~/.zshrc, after compinit)
`,
    )
    .action((shell: 'bash' | 'zsh') => {
      io.stdout(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
    });
}
