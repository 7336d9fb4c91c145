/**
 * How one Kafka client of the sync role stands with the broker, for `/health` and `/metrics`:
 * - `starting`: not yet connected (start() under way);
 * - `connected`: the last exchange with the broker worked;
 * - `retrying`: the last exchange failed and the client tries again (relay: a send failed and
 *   the log subscription retries it; inbox: the consumer crashed and kafkajs restarts it);
 * - `crashed`: the consumer crashed and will not restart (a non-retriable error);
 * - `stopped`: stopped on purpose (shutdown).
 */
export type LinkStateName = 'starting' | 'connected' | 'retrying' | 'crashed' | 'stopped';

export interface LinkStatus {
  readonly state: LinkStateName;
  /** When the link entered this state (RFC 3339). */
  readonly since: string;
  /** The error that put it in `retrying` or `crashed`; null otherwise. */
  readonly lastError: string | null;
  /** The last time the broker answered this client (RFC 3339), null before the first answer. */
  readonly lastContactAt: string | null;
  /** Seconds since then (grows while the broker is silent), null before the first answer. */
  readonly silentSeconds: number | null;
}

/** An error as the link states report it: its name and message, never a stack. */
export const describeLinkError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Keeps one link's state; the clock is injectable for tests. */
export class LinkState {
  private name: LinkStateName = 'starting';
  private sinceMs: number;
  private error: string | null = null;
  private contactMs: number | null = null;

  constructor(private readonly now: () => number = Date.now) {
    this.sinceMs = now();
  }

  get state(): LinkStateName {
    return this.name;
  }

  /** The broker answered: the link is up (entering `connected` if it was not). */
  contact(): void {
    this.contactMs = this.now();
    this.enter('connected', null);
  }

  fail(state: 'retrying' | 'crashed', error: unknown): void {
    this.enter(state, describeLinkError(error));
  }

  stopped(): void {
    this.enter('stopped', null);
  }

  /** Back to `starting` (a new start() after a stop). */
  starting(): void {
    this.enter('starting', null);
  }

  status(): LinkStatus {
    const now = this.now();
    return {
      state: this.name,
      since: new Date(this.sinceMs).toISOString(),
      lastError: this.error,
      lastContactAt: this.contactMs === null ? null : new Date(this.contactMs).toISOString(),
      silentSeconds: this.contactMs === null ? null : Math.max(0, (now - this.contactMs) / 1000),
    };
  }

  private enter(state: LinkStateName, error: string | null): void {
    // A failure repeated keeps its first time (since when it has been failing), with the newest error.
    if (state !== this.name) this.sinceMs = this.now();
    this.name = state;
    this.error = error;
  }
}
