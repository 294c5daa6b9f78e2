import type { Command } from 'commander';
import type { MessageKey } from './en.ts';
import type { I18n } from './i18n.ts';

const TITLES: Readonly<Record<string, Extract<MessageKey, `help.title.${string}`>>> = {
  'Usage:': 'help.title.usage',
  'Options:': 'help.title.options',
  'Commands:': 'help.title.commands',
  'Arguments:': 'help.title.arguments',
  'Global Options:': 'help.title.globalOptions',
};

/**
 * Make `command`'s help speak `i18n`'s language: the section titles, and the description of
 * `-h, --help` unless the command turned that option off (`keepHelpOption: false`).
 */
export function localizeHelp(command: Command, i18n: I18n, keepHelpOption = true): void {
  command.configureHelp({
    styleTitle: (title: string) => {
      const key = TITLES[title];
      return key === undefined ? title : i18n.t(key);
    },
  });
  if (keepHelpOption) command.helpOption('-h, --help', i18n.t('help.option'));
}

/** A commander message, the pattern that recognises it, and its words in the user's language. */
type CommanderMessage = readonly [RegExp, (match: RegExpExecArray, i18n: I18n) => string];

const MESSAGES: readonly CommanderMessage[] = [
  [/^error: unknown command '(.*)'$/s, (m, i) => i.t('commander.unknownCommand', { name: m[1] ?? '' })],
  [/^error: unknown option '(.*)'$/s, (m, i) => i.t('commander.unknownOption', { flag: m[1] ?? '' })],
  [
    /^error: missing required argument '(.*)'$/s,
    (m, i) => i.t('commander.missingArgument', { name: m[1] ?? '' }),
  ],
  [
    /^error: option '(.*)' argument missing$/s,
    (m, i) => i.t('commander.optionArgumentMissing', { flags: m[1] ?? '' }),
  ],
  [/^error: too many arguments$/, (_m, i) => i.t('commander.tooManyArguments')],
  [
    /^error: too many arguments for '(.*)'\. Expected (\d+) arguments? but got (\d+)\.$/s,
    (m, i) =>
      i.t('commander.tooManyArgumentsFor', { command: m[1] ?? '', expected: m[2] ?? '', got: m[3] ?? '' }),
  ],
  [
    /^error: option '(.*?)' argument '(.*)' is invalid\. (.*)$/s,
    (m, i) =>
      i.t('commander.invalidOptionArgument', { flags: m[1] ?? '', value: m[2] ?? '', reason: m[3] ?? '' }),
  ],
  [
    /^error: command-argument value '(.*)' is invalid for argument '(.*?)'\. (.*)$/s,
    (m, i) => i.t('commander.invalidArgument', { value: m[1] ?? '', name: m[2] ?? '', reason: m[3] ?? '' }),
  ],
];

const SUGGESTION = /\n\(Did you mean (.+)\?\)$/s;

/**
 * A message commander wrote (`error: unknown option '--x'`, with its `(Did you mean …?)`) in
 * `i18n`'s language. English, and messages it does not know (the CLI's own, already in the
 * user's language), pass through unchanged.
 */
export function commanderMessage(text: string, i18n: I18n): string {
  if (i18n.lang === 'en') return text;
  const ending = text.endsWith('\n') ? '\n' : '';
  let body = ending ? text.slice(0, -1) : text;
  let suggestion = '';
  const suggested = SUGGESTION.exec(body);
  if (suggested) {
    body = body.slice(0, suggested.index);
    suggestion = `\n${i18n.t('commander.didYouMean', { suggestion: suggested[1] ?? '' })}`;
  }
  for (const [pattern, say] of MESSAGES) {
    const match = pattern.exec(body);
    if (match) return `${say(match, i18n)}${suggestion}${ending}`;
  }
  return text;
}
