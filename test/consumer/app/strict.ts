// (c) A strict TypeScript consumer: type-checked with moduleResolution nodenext, strict, and the
// SDK's declaration files checked too (no skipLibCheck). Never run: tsc is the test.
import {
  type Burned,
  CinderClient,
  CinderError,
  MemoryStore,
  type Message,
  type OpenedMessage,
} from '@cinder/sdk';
import { FileStore } from '@cinder/sdk/node';

export async function check(url: string): Promise<string> {
  const alice = new CinderClient({ url, store: new MemoryStore() });
  const bob = new CinderClient({ url, store: new FileStore('./bob.json') });
  await alice.register('alice', 'a-long-password');
  bob.on('message', (m: Message) => {
    const sealed: boolean = m.text === undefined;
    void sealed;
  });
  alice.on('burned', (b: Burned) => {
    const reason: 'opened' | 'expired' | 'revoked' = b.reason;
    void reason;
  });
  const sent = await alice.send('bob', 'hello', { burn: { ttlSeconds: 60, viewSeconds: 5 } });
  try {
    const opened: OpenedMessage = await bob.open(sent.id);
    return opened.text;
  } catch (error) {
    if (error instanceof CinderError && error.code === 'BURNED') return 'burned';
    throw error;
  } finally {
    // @ts-expect-error: a recipient is a username, not a number (the types are real, not any)
    await alice.send(42, 'x');
  }
}
