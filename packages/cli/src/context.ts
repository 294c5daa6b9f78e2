import type { KeyChange } from '@cinder/sdk';
import type { Command } from 'commander';
import type { I18n } from './i18n/i18n.ts';
import { keyChangeNotice } from './safety.ts';
import { type GlobalOptions, openSession, type Session, type SessionOptions } from './session.ts';

/** The process surface a command uses, so tests and embedders can run the CLI in-process. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** What every command gets: the process surface, and the language to speak on it. */
export interface CliContext {
  io: CliIo;
  i18n: I18n;
}

/** The global options (`--server`, `--profile`; `--lang` is read before parsing) as seen from inside a subcommand's action. */
export function globalsOf(command: Command): GlobalOptions {
  const all = command.optsWithGlobals<{ server?: string; profile?: string }>();
  const globals: GlobalOptions = {};
  if (all.server !== undefined) globals.server = all.server;
  if (all.profile !== undefined) globals.profile = all.profile;
  return globals;
}

/** Write one line to stdout. */
export function out(io: CliIo, line: string): void {
  io.stdout.write(`${line}\n`);
}

/** Write one line to stderr: progress and notes that must not pollute piped output. */
export function note(io: CliIo, line: string): void {
  io.stderr.write(`${line}\n`);
}

/** Write a value as one line of JSON to stdout. */
export function outJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * `cinder <args>` as the user would type it again for this profile: with `--profile` when the
 * command line named one (an environment variable keeps applying by itself).
 */
export function cinderCommand(globals: GlobalOptions, ...args: string[]): string {
  const profile = globals.profile === undefined ? [] : ['--profile', globals.profile];
  return ['cinder', ...profile, ...args].join(' ');
}

/** Options of `sessionFor`. */
export interface CommandSessionOptions extends SessionOptions {
  /**
   * Called when the SDK reports that a peer's device keys changed during the command (a burn
   * send, a pending send flushed at connect, a safety number).
   * @default a notice on stderr naming the peer and how to check its safety number
   */
  onKeyChange?: (change: KeyChange) => void;
}

/**
 * Open a session on the command's profile, telling stderr if the server keeps it waiting, and
 * when a peer's keys changed (before a send that follows completes: the SDK reports the change
 * while it seals).
 */
export function sessionFor(
  ctx: CliContext,
  command: Command,
  options: CommandSessionOptions = {},
): Promise<Session> {
  const globals = globalsOf(command);
  const { onKeyChange, beforeConnect, ...rest } = options;
  const keyChanged =
    onKeyChange ??
    ((change: KeyChange) =>
      note(ctx.io, keyChangeNotice(change, cinderCommand(globals, 'verify', change.username), ctx.i18n)));
  return openSession(globals, ctx.io.env, {
    i18n: ctx.i18n,
    notify: (line) => note(ctx.io, line),
    ...rest,
    beforeConnect: (client) => {
      client.on('keyChange', keyChanged);
      beforeConnect?.(client);
    },
  });
}
