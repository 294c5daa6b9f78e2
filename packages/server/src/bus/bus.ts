/** Stops a subscription. */
export type Unsubscribe = () => Promise<void>;

/**
 * Moves opaque payloads between server nodes (in-process for a single node, Redis pub/sub for a
 * cluster). What the payloads mean and who gets them is decided once, in the server's hub
 * (`core/hub.ts`); a bus only moves bytes. Delivery is at most once, in publish order per
 * channel and publisher.
 */
export interface Bus {
  publish(channel: string, payload: string): Promise<void>;
  /** Resolves once the subscription is active: payloads published afterwards reach `handler`. */
  subscribe(channel: string, handler: (payload: string) => void): Promise<Unsubscribe>;
  /**
   * Optional: call `listener` each time the bus got its subscriptions back after losing them (a
   * network bus reconnecting). Payloads published in between were lost, so the hub wakes every
   * local device to pull what it missed. Returns a function that removes the listener.
   */
  onResubscribed?(listener: () => void): () => void;
  /**
   * Optional: how the bus's connections are (a network bus). Without it the bus is in-process
   * and always up.
   */
  state?(): BusState;
  /** Optional: a round trip on every connection, for `/healthz`; rejects when one fails. */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

/** What a network bus reports for `/healthz` and `/metrics`. */
export interface BusState {
  /** Every connection is up. While false, wake-ups between nodes are lost or late. */
  connected: boolean;
  /** Times a connection came back after being lost. */
  reconnects: number;
  /** Publishes that failed (each a wake-up or sign-out another node may have missed). */
  publishFailures: number;
  /** Since when (ms since the epoch) a connection has been down; null while connected. */
  downSince: number | null;
}
