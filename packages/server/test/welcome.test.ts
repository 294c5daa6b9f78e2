import { describe, expect, it } from 'vitest';
import { RawClient, register, testServer } from '../../../test/kit/index.ts';
import { DEFAULT_RECALL_WINDOW_SECONDS } from '../src/config.ts';

describe('welcome', () => {
  it('publishes the recall window the server enforces (--recall-window)', async () => {
    await using server = await testServer({ recallWindowSeconds: 45 });
    const alice = await register(server);
    const client = await RawClient.connect(server.url, alice.token);
    expect(client.frames.find((f) => f.type === 'welcome')).toMatchObject({ recallWindowMs: 45_000 });
    client.close();
  });

  it('publishes the default window when none is set', async () => {
    await using server = await testServer();
    const alice = await register(server);
    const client = await RawClient.connect(server.url, alice.token);
    expect(client.frames.find((f) => f.type === 'welcome')).toMatchObject({
      recallWindowMs: DEFAULT_RECALL_WINDOW_SECONDS * 1000,
    });
    client.close();
  });
});
