import { CinderError } from '@cinder/protocol';

/** Where a password comes from: the environment, or a terminal to ask on. */
export interface PasswordSource {
  env: NodeJS.ProcessEnv;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/**
 * The password for `register` / `login`: `CINDER_PASSWORD` when set, else a hidden prompt on
 * the terminal (asked twice when `confirm`), else `BAD_REQUEST` — a script without a terminal
 * must not hang waiting for input that never comes.
 */
export async function readPassword(source: PasswordSource, confirm: boolean): Promise<string> {
  const fromEnv = source.env.CINDER_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!source.input.isTTY) {
    throw new CinderError('BAD_REQUEST', 'no password: set CINDER_PASSWORD or run in a terminal');
  }
  const password = await promptHidden(source.input, source.output, 'Password: ');
  if (confirm) {
    const again = await promptHidden(source.input, source.output, 'Repeat password: ');
    if (again !== password) throw new CinderError('BAD_REQUEST', 'the passwords do not match');
  }
  return password;
}

/**
 * Read one line from a TTY without echoing it. Raw mode lets us see each key, so nothing
 * typed ever reaches the screen or the terminal's scrollback. Ctrl-C and Ctrl-D abort.
 */
export function promptHidden(
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  question: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = input.isRaw;
    output.write(question);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();

    const finish = (error: CinderError | null): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };

    const onData = (chunk: string): void => {
      // Arrow and function keys arrive as one escape sequence per chunk: not part of a password.
      if (chunk.startsWith('\u001b')) return;
      for (const char of chunk) {
        switch (char) {
          case '\r':
          case '\n':
            finish(null);
            return;
          case '\u0003': // Ctrl-C
          case '\u0004': // Ctrl-D
            finish(new CinderError('BAD_REQUEST', 'cancelled'));
            return;
          case '\u007f': // Backspace / Delete
          case '\b':
            value = [...value].slice(0, -1).join('');
            break;
          default:
            if (char >= ' ') value += char;
        }
      }
    };
    input.on('data', onData);
  });
}
