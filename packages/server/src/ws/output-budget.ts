/**
 * Bytes queued for WebSocket clients that have not read them yet, against two caps: one per
 * connection and one for the whole server. Each connection adds what its socket holds once that
 * passes the socket's own high-water mark, and takes it back when the socket drains or closes.
 */
export class OutputBudget {
  /** Bytes the connections last reported as queued. */
  queued = 0;

  /**
   * @param perConnection a connection that would hold more than this is a slow reader: cut
   * @param total over this, connections holding at least `CUT_OVER_TOTAL_BYTES` are cut
   */
  constructor(
    readonly perConnection: number,
    readonly total: number,
  ) {}
}

/** While the server-wide total is over its cap, a connection holding this much is cut. */
export const CUT_OVER_TOTAL_BYTES = 256 * 1024;
