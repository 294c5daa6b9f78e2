import {
  CinderClient,
  type CinderClientOptions,
  type ClientEvents,
  MemoryStore,
  type Store,
} from '@cinder/sdk';
import type { ServerOptions } from '@cinder/server';
import { passwordOf, username } from './accounts.ts';
import { type Network, network } from './network.ts';
import { type TestServer, testServer } from './server.ts';

/** Options of a test device: the client's, except its WebSocket (the device's network provides it). */
export type DeviceOptions = Omit<Partial<CinderClientOptions>, 'WebSocket'>;

/** Everything one SDK client emitted, by event, in order. */
export type DeviceEvents = { [K in keyof ClientEvents]: Array<ClientEvents[K][0]> };

/** A real SDK client on a network of its own, recording what it emits. */
export interface Device extends AsyncDisposable {
  readonly client: CinderClient;
  /** Its wire: records frames, can go offline, cut or drop (see {@link Network}). */
  readonly net: Network;
  /** Its local store. */
  readonly store: Store;
  readonly events: DeviceEvents;
  /** The account it signed in to through a {@link Harness} (`user`, `device`); '' otherwise. */
  name: string;
  /**
   * The barrier for "nothing else arrived": once it resolves, the client has applied and emitted
   * everything the server sent it before. A ping round trip on its socket (see `Network.ping`),
   * then a no-op on the client's store queue, which applies received frames in order. Needs a
   * connected device.
   */
  settle(): Promise<void>;
}

/** An id no message has: removing it changes nothing, but queues behind every store change. */
const NO_SUCH_MESSAGE = 'm_kit_settle_barrier';

/**
 * A client for the server at `url` on its own {@link network}, with a {@link MemoryStore} unless
 * `options.store` is given and a 300 ms reconnect cap (tests do not wait out the 5 s default).
 * Not signed in. `await using` closes it.
 */
export function device(url: string, options: DeviceOptions = {}): Device {
  const net = network();
  const store = options.store ?? new MemoryStore();
  const client = new CinderClient({
    url,
    maxReconnectDelayMs: 300,
    ...options,
    store,
    WebSocket: net.WebSocket,
  });
  const events: DeviceEvents = {
    message: [],
    receipt: [],
    burned: [],
    recalled: [],
    state: [],
    error: [],
    keyChange: [],
    upload: [],
  };
  client.on('message', (m) => events.message.push(m));
  client.on('receipt', (r) => events.receipt.push(r));
  client.on('burned', (b) => events.burned.push(b));
  client.on('recalled', (r) => events.recalled.push(r));
  client.on('state', (s) => events.state.push(s));
  client.on('error', (e) => events.error.push(e));
  client.on('keyChange', (k) => events.keyChange.push(k));
  client.on('upload', (u) => events.upload.push(u));
  return {
    client,
    net,
    store,
    events,
    name: '',
    async settle() {
      await net.ping();
      await client.removeMessage(NO_SUCH_MESSAGE);
    },
    [Symbol.asyncDispose]: () => client.close(),
  };
}

/**
 * A server of the test's own and the SDK devices made against it: the fixture of SDK and
 * acceptance tests. `await using` closes every device, then the server.
 */
export class Harness implements AsyncDisposable {
  readonly #devices: Device[] = [];

  private constructor(readonly server: TestServer) {}

  /** Start a {@link testServer} with `options`. */
  static async start(options: ServerOptions = {}): Promise<Harness> {
    return new Harness(await testServer(options));
  }

  get url(): string {
    return this.server.url;
  }

  /** A new device, not signed in. */
  client(options: DeviceOptions = {}): Device {
    const d = device(this.url, options);
    this.#devices.push(d);
    return d;
  }

  /** A new device that registers `name` (a fresh name by default) with {@link passwordOf}. */
  async user(name = username(), options: DeviceOptions = {}): Promise<Device> {
    const d = this.client(options);
    await d.client.register(name, passwordOf(name));
    d.name = name;
    return d;
  }

  /** Another device of the account `name`, logged in. */
  async device(name: string, options: DeviceOptions = {}): Promise<Device> {
    const d = this.client(options);
    await d.client.login(name, passwordOf(name));
    d.name = name;
    return d;
  }

  /** Close every device, then the server. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#devices.map((d) => d.client.close()));
    await this.server.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
