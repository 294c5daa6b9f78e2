// A strict TypeScript browser app (lib dom, bundler resolution, no @types/node): the SDK's
// declarations must not need Node's types. Never run: tsc is the test.
import { CinderClient, CinderError, IndexedDbStore, type Message } from '@cinder/sdk';

export async function start(): Promise<void> {
  await using client = new CinderClient({ url: location.origin, store: new IndexedDbStore('app') });
  client.on('message', (m: Message) => {
    document.title = m.burn ? 'sealed' : (m.text ?? '');
  });
  try {
    await client.connect();
  } catch (error) {
    if (error instanceof CinderError) console.warn(error.code);
  }
}
