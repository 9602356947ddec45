import { CommanderError } from 'commander';
import { cliProgram } from './app/cli.program';
import { errorLine } from './app/cli-format';

// Whatever goes wrong, the user reads one line on stderr and gets a non-zero exit code, never a stack trace.
const fail = (error: unknown) => {
  process.stderr.write(`${errorLine(error)}\n`);
  process.exit(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

// The first Ctrl-C stops the transfers cleanly (an upload is remembered and continues next time); a second
// one leaves at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort(new DOMException('interrupted', 'AbortError'));
});

async function main(): Promise<void> {
  let exitCode = 0;
  const program = cliProgram(interrupt.signal, (code) => (exitCode = code));
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its one line (or the help / version asked for).
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`${errorLine(error)}\n`);
    process.exitCode = interrupt.signal.aborted ? 130 : 1;
    return;
  }
  process.exitCode = exitCode;
}

void main();
