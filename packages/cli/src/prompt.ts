import { ENGLISH, type I18n } from './i18n/i18n.ts';
import { localizedError } from './i18n/localized-error.ts';

/** Where a password comes from: the environment, or a terminal to ask on. */
export interface PasswordSource {
  env: NodeJS.ProcessEnv;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /**
   * The language of the prompts and errors.
   * @default English
   */
  i18n?: I18n;
}

/**
 * The password for `register` / `login`: `CINDER_PASSWORD` when set, else a hidden prompt on
 * the terminal (asked twice when `confirm`), else `BAD_REQUEST` — a script without a terminal
 * must not hang waiting for input that never comes.
 */
export async function readPassword(source: PasswordSource, confirm: boolean): Promise<string> {
  const i18n = source.i18n ?? ENGLISH;
  const fromEnv = source.env.CINDER_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!source.input.isTTY) {
    throw localizedError('BAD_REQUEST', i18n.t('password.none'));
  }
  const password = await promptHidden(source.input, source.output, i18n.t('password.prompt'), i18n);
  if (confirm) {
    const again = await promptHidden(source.input, source.output, i18n.t('password.repeat'), i18n);
    if (again !== password) throw localizedError('BAD_REQUEST', i18n.t('password.mismatch'));
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
  i18n: I18n = ENGLISH,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = input.isRaw;
    output.write(question);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();

    const finish = (error: Error | null): void => {
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
            finish(localizedError('BAD_REQUEST', i18n.t('password.cancelled')));
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
