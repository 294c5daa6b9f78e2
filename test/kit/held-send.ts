import { WebSocket } from 'ws';

/** A WebSocket class for an SDK client that holds its first `send` frame until `release()`. */
export interface HeldSend {
  WebSocket: typeof WebSocket;
  /** Every `send` frame the client wrote, as sent, in order (the held one first). */
  sends: string[];
  /** Let the held frame go out. */
  release(): void;
}

/**
 * Hold a client's first `send` frame on the wire: the test changes the world between the SDK
 * sealing a message and the server seeing it (a recipient's new device, to provoke KEYS_CHANGED).
 */
export function holdFirstSend(): HeldSend {
  const gate = { open: () => {} };
  const held = new Promise<void>((resolve) => {
    gate.open = resolve;
  });
  const sends: string[] = [];
  class HoldingWebSocket extends WebSocket {
    override send(data: string): void {
      const frame = JSON.parse(data) as { type?: string };
      if (frame.type === 'send') sends.push(data);
      if (frame.type === 'send' && sends.length === 1) void held.then(() => super.send(data));
      else super.send(data);
    }
  }
  return { WebSocket: HoldingWebSocket, sends, release: () => gate.open() };
}
