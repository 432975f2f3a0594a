import type { PGlite } from '@electric-sql/pglite';

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
}

const SYNC = 0x53;
const QUERY = 0x51;
const TERMINATE = 0x58;

/**
 * The frontend messages after which the backend answers ReadyForQuery: a Sync, a simple Query, a
 * Terminate, or the startup message (untyped: it opens with its length, whose first byte is 0).
 */
const endsExchange = (message: Uint8Array) => [SYNC, QUERY, TERMINATE, 0].includes(message[0] ?? -1);

/**
 * Shares PGlite's single session among the connections of the socket server. A connection keeps the
 * session from its first message until the backend is idle again: to the Sync of an extended-protocol
 * exchange (the unnamed statement and portal, and an error's skip-to-Sync, live until then) and to
 * the end of an explicit transaction. pglite-socket's own queue pins only explicit transactions, so
 * two pooled postgres.js connections interleave Parse and Bind and run each other's statements
 * ("unnamed prepared statement does not exist"); this queue takes its place.
 */
export class SessionQueue {
  private readonly pending: Pending[] = [];
  private owner: number | undefined;
  private draining = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ handlerId, message, onData, resolve, reject });
      void this.drain();
    });
  }

  /** A closed connection's queued messages are dropped. */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const item = this.pending[i]!;
      if (item.handlerId !== handlerId) continue;
      this.pending.splice(i, 1);
      item.reject(new Error('connection closed'));
    }
  }

  /** A connection that closed while holding the session leaves it idle: its exchange ended, its transaction rolled back. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(() => this.db.execProtocolRaw(new Uint8Array([SYNC, 0, 0, 0, 4])));
    if (this.db.isInTransaction()) await this.db.exec('rollback');
    this.owner = undefined;
    void this.drain();
  }

  private next(): Pending | undefined {
    const index = this.owner === undefined ? 0 : this.pending.findIndex((p) => p.handlerId === this.owner);
    return index < 0 ? undefined : this.pending.splice(index, 1)[0];
  }

  /** Runs queued messages one at a time; stops when the owner of the session has nothing queued yet. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let item = this.next(); item; item = this.next()) {
        this.owner = item.handlerId;
        const { message, onData } = item;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(message, {
              onRawData: (data) => {
                bytes += data.length;
                onData(data);
              },
            }),
          );
          item.resolve(bytes);
        } catch (err) {
          item.reject(err);
        }
        if (endsExchange(message) && !this.db.isInTransaction()) this.owner = undefined;
      }
    } finally {
      this.draining = false;
    }
  }
}
