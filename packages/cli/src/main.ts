// The `cinder` command, run by bin/cinder.js once compiled to dist/main.js.
import { run } from './program.ts';

// Files the CLI creates hold device tokens and messages: owner-only, whatever the umask was.
process.umask(0o077);

// A reader that goes away (`cinder inbox | head -3`) ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
