/**
 * The English messages of the `cinder` command: every string it prints for people. This catalog
 * defines the keys and, through its `{{name}}` placeholders, the parameters of each message;
 * every other language is a `Messages` object, so a key missing there is a type error.
 */
export const en = {
  // The program and its help
  'program.description': 'Cinder: instant messages that burn after reading',
  'option.server': 'server URL (env CINDER_URL, default {{url}})',
  'option.profile': 'profile to use (env CINDER_PROFILE, default {{profile}})',
  'option.lang': 'language of the messages: en or zh-CN (env CINDER_LANG, else the locale)',
  'help.footer': `
Environment:
  CINDER_URL        server URL (default {{url}}; saved in the profile at register/login)
  CINDER_PROFILE    profile name (default {{profile}})
  CINDER_HOME       profile directory (default ~/.config/cinder); a profile is <home>/<name>.json
  CINDER_PASSWORD   password for register / login (else a hidden prompt on the terminal)
  CINDER_LANG       language: en or zh-CN (else LC_ALL, LC_MESSAGES, LANG; else en)

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
  cinder send bob --file cat.jpg "look" --burn && cinder open <id> --out cat.jpg`,
  'help.afterError': '(add --help for usage)',
  'help.option': 'display help for command',
  'help.command': 'display help for command',
  'help.title.usage': 'Usage:',
  'help.title.options': 'Options:',
  'help.title.commands': 'Commands:',
  'help.title.arguments': 'Arguments:',
  'help.title.globalOptions': 'Global Options:',

  // Errors as the program prints them
  'error.line': 'error: {{message}} ({{code}})',
  'error.usage': 'error: {{message}}',
  'error.unexpected': 'unexpected error (set CINDER_DEBUG=1 for details)',
  'error.fromServer': '{{summary}} ({{detail}})',
  'lang.invalid': '{{source}} "{{value}}" is not a language cinder speaks: use en or zh-CN',

  // What an error code means, for errors whose words come from the server or the SDK
  'code.BAD_REQUEST': 'bad request',
  'code.UNAUTHORIZED': 'not signed in or wrong password',
  'code.FORBIDDEN': 'not allowed',
  'code.NOT_FOUND': 'not found',
  'code.CONFLICT': 'conflict',
  'code.BURNED': 'already burned',
  'code.PAYLOAD_TOO_LARGE': 'too large',
  'code.RATE_LIMITED': 'too many requests: try again later',
  'code.KEYS_CHANGED': "the recipient's devices changed",
  'code.SEALED_FOR_OTHER_DEVICES': 'sealed for other devices',
  'code.DECRYPT_FAILED': 'could not decrypt',
  'code.CANCELLED': 'cancelled',
  'code.TIMEOUT': 'timed out',
  'code.UNSUPPORTED_PROTOCOL': 'this cinder and the server speak different protocol versions',
  'code.UNAVAILABLE': 'the server is unavailable',
  'code.DISCONNECTED': 'the connection closed',
  'code.INTERNAL': 'internal error',

  // Commander's own messages (shown as commander writes them in English)
  'commander.unknownCommand': "error: unknown command '{{name}}'",
  'commander.unknownOption': "error: unknown option '{{flag}}'",
  'commander.missingArgument': "error: missing required argument '{{name}}'",
  'commander.optionArgumentMissing': "error: option '{{flags}}' argument missing",
  'commander.tooManyArguments': 'error: too many arguments',
  'commander.tooManyArgumentsFor':
    "error: too many arguments for '{{command}}'. Expected {{expected}} argument(s) but got {{got}}.",
  'commander.invalidOptionArgument': "error: option '{{flags}}' argument '{{value}}' is invalid. {{reason}}",
  'commander.invalidArgument':
    "error: command-argument value '{{value}}' is invalid for argument '{{name}}'. {{reason}}",
  'commander.didYouMean': '(Did you mean {{suggestion}}?)',

  // register / login
  'register.description': 'create an account; this profile becomes its first device',
  'register.username': '3–32 of a-z 0-9 _ . -, starting with a letter or digit',
  'login.description': 'sign in to an existing account as a new device',
  'login.username': 'the account to sign in to',
  'auth.registered': 'registered as {{username}}',
  'auth.loggedIn': 'logged in as {{username}}',
  'auth.profileOn': 'profile "{{profile}}" on {{url}}',
  'auth.alreadySignedIn':
    'profile "{{profile}}" is already signed in as {{username}}: run cinder logout first, or use another --profile',

  // Passwords
  'password.prompt': 'Password: ',
  'password.repeat': 'Repeat password: ',
  'password.none': 'no password: set CINDER_PASSWORD or run in a terminal',
  'password.mismatch': 'the passwords do not match',
  'password.cancelled': 'cancelled',

  // Profiles and sessions
  'profile.badName': 'profile name: 1–64 of A-Z a-z 0-9 _ -',
  'profile.notSignedIn':
    'profile "{{profile}}" is not signed in: run cinder register <username> or cinder login <username>',
  'profile.what': 'profile "{{profile}}"',
  'lock.busy': '{{what}} is busy (used by process {{pid}})',
  'server.notUrl': 'not a server URL: "{{url}}"',
  'server.notHttp': 'not an http(s) server URL: "{{url}}"',
  'server.mismatch': 'profile "{{profile}}" is signed in on {{saved}}, not {{asked}}: use another --profile',
  'server.retrying': 'cinder: cannot reach {{url}} yet, retrying…',
  'server.unreachable': 'could not reach {{url}}',

  // Listing lines
  'kind.image': 'Photo',
  'kind.voice': 'Voice',
  'kind.video': 'Video',
  'kind.file': 'File',
  'time.burnsIn': 'burns in {{duration}}',
  'time.burning': 'burning',
  'message.ownUnopened': '[burn · unopened · {{attachment}}{{left}}] {{text}}',
  'message.ownSealed': '[sealed · {{attachment}}sent · {{left}}]',
  'message.sealed': '[sealed · {{attachment}}{{left}} · {{open}}]',
  'message.sealedAttachment': '{{label}} · ',

  // inbox
  'inbox.description': 'sync, then list messages: all conversations, or the one with <peer>',
  'inbox.peer': 'only the conversation with this user',
  'inbox.limit': 'show at most the last <count> messages per conversation (default: {{count}})',
  'inbox.json': 'print JSON instead of lines',
  'inbox.limitInvalid': 'must be a positive whole number',
  'inbox.none': 'no messages',
  'inbox.unread': '{{count}} unread',
  'inbox.sealed': '{{count}} sealed',

  // send
  'send.description': 'send a message (or a file, with --file) and print its id',
  'send.to': 'recipient username',
  'send.text': 'message text, or the caption with --file; "-" reads it from stdin',
  'send.file': 'send this file (a photo, voice note, video or any file); text is its caption',
  'send.burn': 'burn after reading (default ttl 7d, view until closed)',
  'send.ttl': 'burn if unopened after this long, e.g. 1h (implies --burn)',
  'send.view': 'how long the reader sees it after open, e.g. 10s (implies --burn)',
  'send.ext': 'app attributes, a JSON object, e.g. \'{"k":1}\'',
  'send.json': 'print the SendResult as JSON',
  'send.missingText': "error: missing required argument 'text' (or give --file)",
  'send.extNotJson': 'error: --ext is not valid JSON',
  'send.extNotObject': 'error: --ext must be a JSON object',
  'send.cancelling': 'cancelling the upload… (Ctrl-C again to quit at once)',
  'send.uploadCancelled': 'upload of {{path}} cancelled: nothing was sent',
  'send.uploading': 'uploading {{label}}  {{percent}}% · {{sent}} of {{total}}',
  'duration.invalid':
    'Not a duration: "{{value}}" (use seconds, or a number with s, m, h, d or w: 90, 10s, 1h30m, 1.5h)',

  // Files to send
  'file.directory': '{{path}} is a directory, not a file',
  'file.notRegular': '{{path}} is not a regular file',
  'file.empty': '{{path}} is empty: there is nothing to send',
  'file.missing': 'no such file: {{path}}',
  'file.denied': 'cannot read {{path}}: permission denied',
  'file.tooLarge': '{{path}} is too large to send: {{size}}, and {{server}}{{sealed}}; nothing was sent',
  'file.serverTakesLess': 'the server takes less',
  'file.serverTakesAtMost': 'the server takes at most {{limit}}',
  'file.bytes': '{{size}} ({{bytes}} bytes)',
  'file.sealedGrows': ' (a burn file grows a little as it is sealed)',

  // open
  'open.description': 'print a message; a burn message burns as it opens, so this works once',
  'open.id': 'message id, as shown by cinder inbox',
  'open.out': 'write the attachment to this new file (never overwrites one)',
  'open.discardAttachment': 'open a burn message with an attachment without saving it (it is lost)',
  'open.json': 'print { id, text, ext, viewSeconds, attachment } as JSON (never the bytes)',
  'open.outAndDiscard': 'error: --out and --discard-attachment cannot be used together',
  'open.attachmentSaved': '[attachment: {{label}} · saved to {{path}}]',
  'open.attachmentBurned': '[attachment: {{label}} · not saved: it burned with the message]',
  'open.attachmentNotSaved': '[attachment: {{label}} · not saved: {{command}} --out <path> saves it]',
  'open.attachmentOnce':
    'message {{id}} is a burn message with an attachment ({{label}}) that comes only once: save it with {{command}} --out <path>, or open it without with {{command}} --discard-attachment (the message was not opened)',
  'open.noAttachment': 'message {{id}} has no attachment: nothing was written to {{path}}',
  'open.writeFailed': 'could not write {{path}}',
  'open.writeFailedBurned': 'could not write {{path}}; the message burned, and its attachment with it',
  'open.burned': 'already burned: message {{id}} was opened, expired or revoked',
  'open.sealedForOthers':
    'message {{id}} was sealed before this device was added: open it on a device that existed when it was sent (cinder devices lists them); it stays unopened there',
  'open.decryptFailed': 'message {{id}} burned, but its content could not be decrypted on this device',
  'open.noReply': 'no reply from the server: if this was a burn message, it may have burned with its content',
  'view.countdown': '[burning in {{left}} · press any key to close]',
  'view.burned': '[burned · the text is gone]',

  // Files written by open
  'saved.exists': '{{path}} exists: refusing to overwrite it (the message was not opened)',
  'saved.noDirectory': 'cannot create {{path}}: no such directory (the message was not opened)',
  'saved.directory': '{{path}} is a directory: give a file path (the message was not opened)',
  'saved.denied': 'cannot create {{path}}: permission denied (the message was not opened)',

  // revoke
  'revoke.description': 'burn your own unopened burn message everywhere',
  'revoke.id': 'message id, as printed by cinder send',
  'revoke.done': 'revoked {{id}}',

  // listen
  'listen.description': 'print message / receipt / burned events as they arrive, until Ctrl-C',
  'listen.json': 'one JSON object per line: { event, ...payload }',
  'listen.message': 'message  {{line}}',
  'listen.receipt': 'receipt  {{id}}  {{time}}  {{type}} by {{by}}',
  'listen.burned': 'burned   {{id}}  {{time}}  {{reason}}',
  'listen.listening': 'cinder: listening as {{username}} on {{url}} (Ctrl-C to stop)',
  'listen.state.reconnecting': 'cinder: reconnecting',
  'listen.state.connected': 'cinder: connected',
  'listen.signedOut': 'this device was signed out',
  'listen.purgeFailed': 'cinder: could not update the profile yet ({{code}})',
  'receipt.delivered': 'delivered',
  'receipt.read': 'read',
  'reason.opened': 'opened',
  'reason.expired': 'expired',
  'reason.revoked': 'revoked',

  // verify
  'verify.description': 'show the safety number of the conversation with <user>, to compare it with theirs',
  'verify.user': 'the other user',
  'verify.mark':
    'mark the number shown as verified, once you compared it with <user>; refused if their keys changed since this device last saw them',
  'verify.json':
    'print { username, safetyNumber, verified, devices: [{ id, fingerprint, createdAt }], changed } as JSON',
  'verify.changed':
    "{{user}}'s safety number changed since this device last saw it (a device was added or removed, or a key was replaced).",
  'verify.wasVerified': "You had verified {{user}}'s keys: they are not verified any more.",
  'verify.notMarkedChanged':
    "not marked: {{user}}'s safety number changed since this device last saw it. Compare the number above with {{user}}, then run: {{command}}",
  'verify.notMarkedRace':
    "not marked: {{user}}'s safety number changed while it was being marked: run {{command}} again",
  'verify.title': 'Safety number of {{me}} and {{user}}:',
  'verify.markedNow': 'Verified: marked now. {{command}} says whether the keys are still these.',
  'verify.verified': "Verified: {{user}}'s keys are the ones you marked as verified.",
  'verify.notVerified': 'Not verified.',
  'verify.noDevices': '{{user}} has no device with a key: burn messages to {{user}} cannot be sent.',
  'verify.deviceKeys': "{{user}}'s device keys:",
  'verify.deviceLine': '  {{id}}  key {{fingerprint}}  added {{added}}',
  'verify.compare':
    'Compare the number with {{user}} in person, or over a channel you trust other than Cinder (a call):',
  'verify.theySee': '{{user}} sees the same number with: cinder verify {{me}}',
  'verify.ifMatch': 'If the numbers match: {{command}}',
  'safety.changed':
    "{{user}}'s safety number changed (a device was added or removed, or a key was replaced). Check it with: {{command}}",

  // devices
  'devices.description': "list this account's signed-in devices (* is this one) and their key fingerprints",
  'devices.json': 'print JSON instead of lines; each device has its fingerprint (null: no key)',
  'devices.line': '{{mark}} {{id}}  {{name}}  {{key}}  added {{added}}  {{seen}}',
  'devices.key': 'key {{fingerprint}}',
  'devices.noKey': 'no key',
  'devices.seen': 'seen {{time}}',
  'devices.neverSeen': 'never seen',

  // whoami
  'whoami.description': 'print the username this profile is signed in as (offline)',
  'whoami.json': 'print { username, deviceId, deviceName, server, profile } as JSON',

  // logout
  'logout.description': 'sign this device out everywhere and delete the profile',
  'logout.force': 'delete the profile even if it is damaged or not signed in',
  'logout.done': 'logged out; profile "{{profile}}" deleted',
  'logout.notSignedIn': 'this profile is not signed in',
  'logout.serverNotTold':
    'signed out on this machine, but the server was not told ({{reason}}): the device stays signed in there until revoked from another device',

  // serve
  'serve.description': 'run a Cinder server (same flags and environment as npm start; needs @cinder/server)',
  'serve.usage': '[server flags]   (cinder serve --help lists them)',
  'serve.usageLine': 'Usage: cinder serve [server flags]',
  'serve.badFlags': 'error: {{reason}}',
  'serve.needsServer': 'error: cinder serve needs the server package: npm install @cinder/server',
  'serve.didNotStart': 'the server did not start: {{reason}}',
  'serve.serving': 'cinder: serving {{url}} (Ctrl-C to stop)',
  'serve.shuttingDown': 'cinder: shutting down',
} as const;

/** A key of the message catalog. */
export type MessageKey = keyof typeof en;

/** A message catalog: one string for every key of the English one. */
export type Messages = { readonly [K in MessageKey]: string };

/** The English text of every key (the catalog that defines the placeholders). */
export type EnglishMessages = typeof en;
