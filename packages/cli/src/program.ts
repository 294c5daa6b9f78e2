import { CinderError } from '@cinder/protocol';
import { Command, CommanderError } from 'commander';
import { loginCommand, registerCommand } from './commands/auth.ts';
import { devicesCommand } from './commands/devices.ts';
import { inboxCommand } from './commands/inbox.ts';
import { listenCommand } from './commands/listen.ts';
import { logoutCommand } from './commands/logout.ts';
import { openCommand } from './commands/open.ts';
import { revokeCommand } from './commands/revoke.ts';
import { sendCommand } from './commands/send.ts';
import { serveCommand } from './commands/serve.ts';
import { verifyCommand } from './commands/verify.ts';
import { whoamiCommand } from './commands/whoami.ts';
import type { CliIo } from './context.ts';
import { DEFAULT_PROFILE, DEFAULT_SERVER_URL } from './profile.ts';

/** Process exit codes of `cinder`, as documented in `cinder --help`. */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  OK: 0,
  /** The command failed: `error: <message> (<CODE>)` on stderr. */
  ERROR: 1,
  /** The command line was wrong: unknown command or option, missing or invalid argument. */
  USAGE: 2,
} as const;

const HELP_FOOTER = `
Environment:
  CINDER_URL        server URL (default ${DEFAULT_SERVER_URL}; saved in the profile at register/login)
  CINDER_PROFILE    profile name (default ${DEFAULT_PROFILE})
  CINDER_HOME       profile directory (default ~/.config/cinder); a profile is <home>/<name>.json
  CINDER_PASSWORD   password for register / login (else a hidden prompt on the terminal)

Exit codes:
  0  success
  1  error, printed as "error: <message> (<CODE>)", e.g. BURNED, NOT_FOUND, UNAUTHORIZED
  2  usage error (unknown command or option, bad argument)

End-to-end encryption:
  Burn messages are encrypted for the other user's devices. Compare the safety number with
  cinder verify <user> (they run cinder verify <you>), then mark it: cinder verify <user> --mark.
  When their keys change, commands say so on stderr: check the number again.

Example:
  cinder register alice && cinder send bob "see you at 6" --burn --view 10s
  cinder inbox && cinder open <id>
  cinder send bob --file cat.jpg "look" --burn && cinder open <id> --out cat.jpg`;

/** Build the `cinder` program. Commands write to `io`; nothing here calls `process.exit`. */
export function buildProgram(io: CliIo): Command {
  const ctx = { io };
  const program = new Command('cinder')
    .description('Cinder: instant messages that burn after reading')
    .option('--server <url>', `server URL (env CINDER_URL, default ${DEFAULT_SERVER_URL})`)
    .option('--profile <name>', `profile to use (env CINDER_PROFILE, default ${DEFAULT_PROFILE})`)
    .addHelpText('after', HELP_FOOTER);
  const output = {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
  };
  for (const command of [
    serveCommand(ctx),
    registerCommand(ctx),
    loginCommand(ctx),
    sendCommand(ctx),
    inboxCommand(ctx),
    openCommand(ctx),
    revokeCommand(ctx),
    listenCommand(ctx),
    verifyCommand(ctx),
    devicesCommand(ctx),
    whoamiCommand(ctx),
    logoutCommand(ctx),
  ]) {
    program.addCommand(command);
  }
  // Commander would call process.exit itself; throwing instead lets `run` pick the exit code.
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput(output).showHelpAfterError('(add --help for usage)');
  }
  return program;
}

/**
 * Run `cinder` with `argv` (user arguments only, without node and the script) and return the
 * exit code. Errors are printed as `error: <message> (<CODE>)`, never with a stack trace.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT_CODES.USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_CODES.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help / version it was asked for).
      return error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    }
    const cinderError = error instanceof CinderError ? error : unexpected(error);
    io.stderr.write(`error: ${cinderError.message} (${cinderError.code})\n`);
    if (io.env.CINDER_DEBUG) io.stderr.write(`${debugDetails(cinderError.cause)}\n`);
    return EXIT_CODES.ERROR;
  }
}

/**
 * Errors that are not CinderErrors come from the machine. A system error (ENOENT,
 * ECONNREFUSED…) says what went wrong in words that never hold message content; anything else
 * might, so it is shown only with CINDER_DEBUG.
 */
function unexpected(error: unknown): CinderError {
  const system = error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
  const message = system ? error.message : 'unexpected error (set CINDER_DEBUG=1 for details)';
  return new CinderError('INTERNAL', message, { cause: error });
}

function debugDetails(cause: unknown): string {
  if (cause instanceof Error) return cause.stack ?? cause.message;
  return cause === undefined ? '(no cause)' : String(cause);
}
