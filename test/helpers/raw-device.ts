import { PROTOCOL_VERSION, ROUTES, type ServerFrame, type SessionResponse, WS_PATH } from '@cinder/protocol';
import { WebSocket } from 'ws';
import { WAIT_MS } from './harness.ts';

/**
 * A device speaking the wire protocol by hand, for tests that need frames the SDK would never
 * send (duplicates, a socket cut mid-request).
 */
export class RawDevice {
  readonly frames: ServerFrame[] = [];
  readonly raw: string[] = [];
  private ws: WebSocket | null = null;
  private n = 0;

  private constructor(
    readonly url: string,
    readonly session: SessionResponse,
  ) {}

  static async register(url: string, username: string, password = `${username}-long-password`) {
    return RawDevice.auth(url, ROUTES.register, username, password);
  }

  static async login(url: string, username: string, password = `${username}-long-password`) {
    return RawDevice.auth(url, ROUTES.login, username, password);
  }

  private static async auth(url: string, route: string, username: string, password: string) {
    const res = await fetch(new URL(route, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password, deviceName: 'raw' }),
    });
    if (!res.ok) throw new Error(`auth failed: ${res.status} ${await res.text()}`);
    return new RawDevice(url, (await res.json()) as SessionResponse);
  }

  /** Open the socket, say hello and wait for `synced`. */
  async connect(cursor: number | null = null): Promise<void> {
    // This socket's `synced`, not one from an earlier connection of this device.
    const from = this.frames.length;
    const ws = new WebSocket(new URL(WS_PATH, this.url.replace(/^http/, 'ws')));
    this.ws = ws;
    ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      this.frames.push(JSON.parse(text) as ServerFrame);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: this.session.token, cursor }));
    await this.next((f) => f.type === 'synced', from);
  }

  sendRaw(text: string): void {
    this.ws?.send(text);
  }

  /** Send a request frame with a fresh rid (unless given) and wait for its reply or error. */
  async request(frame: Record<string, unknown>): Promise<ServerFrame> {
    const rid = (frame.rid as string | undefined) ?? `r${++this.n}`;
    const from = this.frames.length;
    this.sendRaw(JSON.stringify({ ...frame, rid }));
    return this.next((f) => (f.type === 'reply' || f.type === 'error') && f.rid === rid, from);
  }

  /** Wait for a frame matching `pred` at index ≥ `from`. */
  async next(pred: (f: ServerFrame) => boolean, from = 0, ms = WAIT_MS): Promise<ServerFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.slice(from).find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Cut the connection without a close handshake. */
  terminate(): void {
    this.ws?.terminate();
    this.ws = null;
  }

  close(): void {
    this.ws?.close();
    this.ws = null;
  }
}
