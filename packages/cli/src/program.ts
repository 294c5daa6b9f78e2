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
import { chooseLanguage } from './i18n/choose-language.ts';
import { commanderMessage, localizeHelp } from './i18n/commander-text.ts';
import { createI18n, ENGLISH, type I18n } from './i18n/i18n.ts';
import { isLocalized, localizedError } from './i18n/localized-error.ts';
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

/**
 * Build the `cinder` program, speaking `i18n`'s language. Commands write to `io`; nothing here
 * calls `process.exit`. `--lang` is declared here so commander accepts it; `run` has read it
 * before building the program, because the help and every description depend on it.
 */
export function buildProgram(io: CliIo, i18n: I18n = ENGLISH): Command {
  const ctx = { io, i18n };
  const { t } = i18n;
  const program = new Command('cinder')
    .description(t('program.description'))
    .option('--server <url>', t('option.server', { url: DEFAULT_SERVER_URL }))
    .option('--profile <name>', t('option.profile', { profile: DEFAULT_PROFILE }))
    .option('--lang <lang>', t('option.lang'))
    .addHelpText('after', t('help.footer', { url: DEFAULT_SERVER_URL, profile: DEFAULT_PROFILE }))
    .helpCommand('help [command]', t('help.command'));
  const output = {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    outputError: (s: string, write: (s: string) => void) => write(commanderMessage(s, i18n)),
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
    command.exitOverride().configureOutput(output).showHelpAfterError(t('help.afterError'));
    // `serve` hands --help to the server's own usage text.
    localizeHelp(command, i18n, command.name() !== 'serve');
  }
  return program;
}

/**
 * Run `cinder` with `argv` (user arguments only, without node and the script) and return the
 * exit code. Errors are printed as `error: <message> (<CODE>)`, never with a stack trace.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const choice = chooseLanguage(argv, io.env);
  const i18n = createI18n(choice.lang);
  if (!choice.ok) {
    const message = i18n.t('lang.invalid', { source: choice.source, value: choice.value });
    io.stderr.write(`${i18n.t('error.usage', { message })}\n`);
    return EXIT_CODES.USAGE;
  }
  const program = buildProgram(io, i18n);
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
    const cinderError = error instanceof CinderError ? error : unexpected(error, i18n);
    const message = humanMessage(cinderError, i18n);
    io.stderr.write(`${i18n.t('error.line', { message, code: cinderError.code })}\n`);
    if (io.env.CINDER_DEBUG) io.stderr.write(`${debugDetails(cinderError.cause)}\n`);
    return EXIT_CODES.ERROR;
  }
}

/**
 * Errors that are not CinderErrors come from the machine. A system error (ENOENT,
 * ECONNREFUSED…) says what went wrong in words that never hold message content; anything else
 * might, so it is shown only with CINDER_DEBUG.
 */
function unexpected(error: unknown, i18n: I18n): CinderError {
  const system = error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
  if (system) return new CinderError('INTERNAL', error.message, { cause: error });
  return localizedError('INTERNAL', i18n.t('error.unexpected'), { cause: error });
}

/**
 * The words of an error in the user's language. The CLI's own errors are written in it; the
 * server's and the SDK's are English: in another language their code's meaning comes first and
 * their words follow as the detail (they never hold message content).
 */
function humanMessage(error: CinderError, i18n: I18n): string {
  if (i18n.lang === 'en' || isLocalized(error)) return error.message;
  const summary = i18n.t(`code.${error.code}`);
  // A code's stock English words (`Not found`) add nothing to its meaning in the user's language.
  const stock = new CinderError(error.code).message;
  if (!error.message || error.message === stock) return summary;
  return i18n.t('error.fromServer', { summary, detail: error.message });
}

function debugDetails(cause: unknown): string {
  if (cause instanceof Error) return cause.stack ?? cause.message;
  return cause === undefined ? '(no cause)' : String(cause);
}
