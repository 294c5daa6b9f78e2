import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempDir, type TestServer, tempDir, testServer, waitFor } from '../../../test/kit/index.ts';
import { type CinderRunner, cinderRunner, ok } from './cinder-process.ts';
import { stallProxy } from './stall-proxy.ts';

/** The server's --max-upload in these tests: small, so a too-large file is cheap to make. */
const MAX_UPLOAD = 400_000;

let server: TestServer;
let cli: CinderRunner;
let dir: TempDir;

beforeAll(async () => {
  server = await testServer({ maxUploadBytes: MAX_UPLOAD });
  cli = await cinderRunner(server.url);
  dir = tempDir('cinder-cli-files-');
  ok(await cli.run('alice', 'register', 'alice'));
  ok(await cli.run('bob', 'register', 'bob'));
});

afterAll(async () => {
  await cli?.close();
  await server?.close();
  dir?.remove();
});

/** A file of `size` random bytes at `<dir>/<name>`; returns its path and bytes. */
function file(name: string, size: number): { path: string; bytes: Buffer } {
  const bytes = randomBytes(size);
  const path = join(dir.path, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

/** bob's inbox line of message `id`. */
async function inboxLine(id: string): Promise<string | undefined> {
  return ok(await cli.run('bob', 'inbox', 'alice'))
    .split('\n')
    .find((l) => l.startsWith(id));
}

/** A path in the test's directory that does not exist yet. */
function outPath(name: string): string {
  return join(dir.path, `out-${randomBytes(4).toString('hex')}-${name}`);
}

// Each step spawns the command (node + tsx): allow for a busy machine.
describe('cinder send --file and open --out', { timeout: 180_000 }, () => {
  it('a normal file: sent with a caption, listed with kind and size, saved exactly, never over an existing file', async () => {
    // 240 KB exactly, so the listing's size is known.
    const photo = file('photo.jpg', 240 * 1024);
    const send = await cli.run('alice', 'send', 'bob', '--file', photo.path, 'look', '--json');
    // stderr is not a terminal here: no progress line, nothing at all.
    expect(send.stderr).toBe('');
    const sent = JSON.parse(ok(send)) as { id: string; attachment: unknown };
    expect(sent.attachment).toEqual({
      kind: 'image',
      size: photo.bytes.length,
      name: 'photo.jpg',
      type: 'image/jpeg',
    });

    expect(await inboxLine(sent.id)).toMatch(/ {2}alice {2}\[Photo · 240 KB · photo\.jpg\] look$/);
    const listed = JSON.parse(ok(await cli.run('bob', 'inbox', 'alice', '--json'))) as Array<{
      id: string;
      attachment?: unknown;
    }>;
    expect(listed.find((m) => m.id === sent.id)?.attachment).toEqual(sent.attachment);

    const target = outPath('photo.jpg');
    const opened = await cli.run('bob', 'open', sent.id, '--out', target);
    expect(ok(opened)).toBe('look\n');
    expect(opened.stderr).toBe(`[attachment: Photo · 240 KB · photo.jpg · saved to ${target}]\n`);
    expect(readFileSync(target).equals(photo.bytes)).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);

    // An existing file is refused and left as it was.
    const existing = outPath('mine.txt');
    writeFileSync(existing, 'keep me');
    const refused = await cli.run('bob', 'open', sent.id, '--out', existing);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: .*mine\.txt exists: refusing to overwrite it.* \(BAD_REQUEST\)\n$/,
    );
    expect(refused.stdout).toBe('');
    expect(readFileSync(existing, 'utf8')).toBe('keep me');

    // Without --out: the caption, and what the attachment was and how to save it.
    const plain = await cli.run('bob', 'open', sent.id);
    expect(ok(plain)).toBe('look\n');
    expect(plain.stderr).toContain('[attachment: Photo · 240 KB · photo.jpg · not saved: cinder open');
    expect(plain.stderr).toContain('--out <path> saves it]');
  });

  it('a burn file: refused without --out or into an existing file while unopened, then saved once and burned', async () => {
    const secret = file('secret.png', 50_000);
    const id = ok(await cli.run('alice', 'send', 'bob', '--file', secret.path, '--burn', 'caption')).trim();
    expect(id).toMatch(/^\S+$/);

    const sealed = await inboxLine(id);
    expect(sealed).toMatch(/\[sealed · Photo · \d+ KB · burns in [^·]+ · cinder open \S+ --out <path>\]$/);
    expect(sealed).not.toContain('secret');
    const listed = JSON.parse(ok(await cli.run('bob', 'inbox', 'alice', '--json'))) as Array<{
      id: string;
      attachment?: { kind: string; size: number; name?: string };
    }>;
    const entry = listed.find((m) => m.id === id);
    expect(entry?.attachment?.kind).toBe('image');
    expect(entry?.attachment?.size).toBeGreaterThanOrEqual(secret.bytes.length);
    expect(entry?.attachment?.name).toBeUndefined();

    const refused = await cli.run('bob', 'open', id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: message \S+ is a burn message with an attachment .*--out <path>/);
    expect(refused.stderr).toContain('--discard-attachment');
    expect(refused.stdout).toBe('');

    const existing = outPath('taken.png');
    writeFileSync(existing, 'taken');
    const overwrite = await cli.run('bob', 'open', id, '--out', existing);
    expect(overwrite.code).toBe(1);
    expect(overwrite.stderr).toContain('exists: refusing to overwrite it');
    expect(readFileSync(existing, 'utf8')).toBe('taken');

    const missingDir = await cli.run('bob', 'open', id, '--out', join(dir.path, 'no-such-dir', 'x.png'));
    expect(missingDir.code).toBe(1);
    expect(missingDir.stderr).toContain('no such directory');

    // Still unopened after every refusal.
    expect(await inboxLine(id)).toContain('[sealed · Photo');

    const target = outPath('secret.png');
    const opened = JSON.parse(ok(await cli.run('bob', 'open', id, '--out', target, '--json')));
    expect(opened).toEqual({
      id,
      text: 'caption',
      ext: {},
      viewSeconds: 0,
      attachment: {
        kind: 'image',
        name: 'secret.png',
        type: 'image/png',
        size: secret.bytes.length,
        saved: target,
      },
    });
    expect(readFileSync(target).equals(secret.bytes)).toBe(true);
    expect(statSync(target).mode & 0o777).toBe(0o600);

    const again = await cli.run('bob', 'open', id, '--out', outPath('again.png'));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('(BURNED)');
    expect(await inboxLine(id)).toBeUndefined();
  });

  it('a burn file that cannot be written after the open still shows its caption, then says the attachment is lost', async () => {
    const big = file('large.png', 250_000);
    const id = ok(await cli.run('alice', 'send', 'bob', '--file', big.path, '--burn', 'the caption')).trim();
    const target = outPath('large.png');
    // Files of at most 100 KiB for this run: the profile's store fits, the attachment does not.
    const result = await cli.runInShell('bob', 'ulimit -f 100 && exec "$@"', 'open', id, '--out', target);
    expect(result.stdout).toBe('the caption\n');
    expect(result.stderr).toMatch(
      /\[attachment: Photo · 244 KB · large\.png · not saved: it burned with the message\]\n/,
    );
    expect(result.stderr).toContain(
      `error: could not write ${target}; the message burned, and its attachment with it (INTERNAL)`,
    );
    expect(result.code).toBe(1);
    expect((await cli.run('bob', 'open', id)).stderr).toContain('(BURNED)');
  });

  it('--discard-attachment opens a burn file without saving it, and says it is gone', async () => {
    const voice = file('note.ogg', 20_000);
    const id = ok(
      await cli.run('alice', 'send', 'bob', '--file', voice.path, '--ttl', '1h', 'listen'),
    ).trim();
    expect(await inboxLine(id)).toContain('[sealed · Voice · ');
    const opened = await cli.run('bob', 'open', id, '--discard-attachment');
    expect(ok(opened)).toBe('listen\n');
    expect(opened.stderr).toBe(
      '[attachment: Voice · 20 KB · note.ogg · not saved: it burned with the message]\n',
    );
    expect((await cli.run('bob', 'open', id)).stderr).toContain('(BURNED)');
  });

  it('a file without a caption prints no text; a message without an attachment writes no file', async () => {
    const doc = file('plan.pdf', 3000);
    const id = ok(await cli.run('alice', 'send', 'bob', '--file', doc.path)).trim();
    const target = outPath('plan.pdf');
    const opened = await cli.run('bob', 'open', id, '--out', target);
    expect(ok(opened)).toBe('');
    expect(opened.stderr).toContain('[attachment: File · 2.9 KB · plan.pdf · saved to');
    expect(readFileSync(target).equals(doc.bytes)).toBe(true);

    const textId = ok(await cli.run('alice', 'send', 'bob', 'just text')).trim();
    const none = outPath('none.bin');
    const result = await cli.run('bob', 'open', textId, '--out', none);
    expect(ok(result)).toBe('just text\n');
    expect(result.stderr).toContain('has no attachment: nothing was written');
    expect(() => statSync(none)).toThrow();
  });

  it('says what is wrong with a file: too large for the server, missing, a directory, empty; text is required without one', async () => {
    const big = file('big.mp4', MAX_UPLOAD + 1);
    const before = ok(await cli.run('bob', 'inbox', 'alice', '--json'));
    const tooLarge = await cli.run('alice', 'send', 'bob', '--file', big.path, 'huge');
    expect(tooLarge.code).toBe(1);
    expect(tooLarge.stderr).toBe(
      `error: ${big.path} is too large to send: 391 KB (400001 bytes), and the server takes at most 391 KB (400000 bytes); nothing was sent (PAYLOAD_TOO_LARGE)\n`,
    );
    expect(tooLarge.stdout).toBe('');
    expect(ok(await cli.run('bob', 'inbox', 'alice', '--json'))).toBe(before);

    const missing = await cli.run('alice', 'send', 'bob', '--file', join(dir.path, 'nope.jpg'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no such file: .*nope\.jpg \(NOT_FOUND\)\n$/);

    const folder = join(dir.path, 'a-folder');
    mkdirSync(folder);
    const directory = await cli.run('alice', 'send', 'bob', '--file', folder);
    expect(directory.code).toBe(1);
    expect(directory.stderr).toMatch(/^error: .*a-folder is a directory, not a file \(BAD_REQUEST\)\n$/);

    const empty = file('empty.txt', 0);
    const emptied = await cli.run('alice', 'send', 'bob', '--file', empty.path, 'caption');
    expect(emptied.code).toBe(1);
    expect(emptied.stderr).toMatch(
      /^error: .*empty\.txt is empty: there is nothing to send \(BAD_REQUEST\)\n$/,
    );

    const noText = await cli.run('alice', 'send', 'bob');
    expect(noText.code).toBe(2);
    expect(noText.stderr).toContain("missing required argument 'text'");
    expect(ok(await cli.run('bob', 'inbox', 'alice', '--json'))).toBe(before);
  });
});

describe('cinder send --file on a terminal', { timeout: 180_000 }, () => {
  it('shows the upload on one updating line, and Ctrl-C cancels it: nothing is sent, the partial upload is deleted', async () => {
    // The second chunk's PUT waits in the proxy, so Ctrl-C lands mid-upload every time.
    await using proxy = await stallProxy(
      server.url,
      (method, path) => method === 'PUT' && path.startsWith('/v1/uploads/') && !path.endsWith('offset=0'),
    );
    await using viaProxy = await cinderRunner(proxy.url);
    ok(await viaProxy.run('carol', 'register', 'carol'));
    // Two chunks of the server's 256 KiB (a tail of a quarter chunk or less would go with the
    // first): the first one's progress shows before the stall.
    const big = file('two-chunks.bin', 400_000);
    const child = viaProxy.startInTerminal('carol', ['send', 'bob', '--file', big.path, 'never']);
    let screen = '';
    child.stdout?.on('data', (d) => {
      screen += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    await proxy.held();
    await waitFor(
      () =>
        /^uploading two-chunks\.bin {2}\d+% · 256 KB of 391 KB/m.test(screen.split('\r\u001b[2K').join('\n')),
      {
        what: 'the progress line of the first chunk',
      },
    );
    child.stdin?.write('\u0003');
    await waitFor(() => screen.includes('cancelling the upload'), { what: 'Ctrl-C to be taken' });
    proxy.release();

    const code = await exited;
    expect(screen).toContain(`error: upload of ${big.path} cancelled: nothing was sent (CANCELLED)`);
    expect(code).toBe(1);
    expect(proxy.seen.some((r) => r.startsWith('DELETE /v1/uploads/'))).toBe(true);
    expect(ok(await cli.run('bob', 'inbox', 'carol', '--json'))).toBe('[]\n');
  });
});
