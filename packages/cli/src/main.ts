// The `cinder` command, run by bin/cinder.js once compiled to dist/main.js.
import { run } from './program.ts';

// Files the CLI creates hold device tokens and messages: owner-only, whatever the umask was.
process.umask(0o077);

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
