import type { Command } from 'commander';
import { type GlobalOptions, openSession, type Session, type SessionOptions } from './session.ts';

/** The process surface a command uses, so tests and embedders can run the CLI in-process. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** What every command gets: the process surface. */
export interface CliContext {
  io: CliIo;
}

/** The global options (`--server`, `--profile`) as seen from inside a subcommand's action. */
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

/** Open a session on the command's profile, telling stderr if the server keeps it waiting. */
export function sessionFor(
  ctx: CliContext,
  command: Command,
  options: SessionOptions = {},
): Promise<Session> {
  return openSession(globalsOf(command), ctx.io.env, { notify: (line) => note(ctx.io, line), ...options });
}
