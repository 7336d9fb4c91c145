import { chainOver, type CheckpointSignatureCheck, GENESIS_HEAD, type LogCheckpoint } from './checkpoint';

/**
 * Checks one origin's events against its signed checkpoints (ADR 0019). Pure: the caller reads
 * the log, recomputes each event's leaf from its content and hands both in.
 */

/** An event of the origin as the verifier sees it. */
export interface ChainedEvent {
  readonly eventId: string;
  /** Leaf recomputed from the stored content. */
  readonly leaf: string;
  /** Its place in the origin's log: the local position for own events, the origin's for copies. */
  readonly order: bigint;
  /** Where it is here (for the report). */
  readonly position: bigint;
}

export type LogProblemKind =
  /** The content no longer gives the leaf the checkpoint signed. */
  | 'altered'
  /** A checkpoint lists it and the log does not hold it. */
  | 'missing'
  /** Held and listed, but not where the checkpoints put it in the origin's order. */
  | 'out-of-order'
  /** Inside the checkpointed range of the log and listed by no checkpoint (added afterwards). */
  | 'unlisted'
  /** A checkpoint that is unsigned, wrongly signed, broken off the chain or inconsistent. */
  | 'bad-checkpoint';

export interface LogProblem {
  readonly kind: LogProblemKind;
  readonly origin: string;
  readonly eventId?: string;
  readonly position?: string;
  readonly detail: string;
}

export interface OriginVerification {
  readonly origin: string;
  readonly checkpoints: number;
  /** Events checked against a checkpoint. */
  readonly covered: number;
  /** Events after the last checkpoint: not covered yet, so not checked. */
  readonly uncovered: number;
  readonly problems: readonly LogProblem[];
}

export interface VerifyOriginInput {
  readonly origin: string;
  readonly events: readonly ChainedEvent[];
  readonly checkpoints: readonly LogCheckpoint[];
  /**
   * True when this log should hold every event the origin listed (this node's own events);
   * false for copies of another province's events, of which a node holds only some.
   */
  readonly complete: boolean;
  /** Absent: signatures are not checked (the report says so). */
  readonly checkSignature?: CheckpointSignatureCheck;
}

const checkpointProblems = (input: VerifyOriginInput, sorted: readonly LogCheckpoint[]): LogProblem[] => {
  const problems: LogProblem[] = [];
  const bad = (c: LogCheckpoint, detail: string): void => {
    problems.push({ kind: 'bad-checkpoint', origin: input.origin, detail: `checkpoint ${c.sequence}: ${detail}` });
  };
  let previous: LogCheckpoint | null = null;
  for (const c of sorted) {
    if (c.origin !== input.origin) bad(c, `signed for origin ${c.origin}`);
    const expectedSequence = previous ? previous.sequence + 1 : 1;
    if (c.sequence !== expectedSequence) bad(c, `checkpoint ${expectedSequence} is missing before it`);
    else if (c.previousHead !== (previous ? previous.head : GENESIS_HEAD)) bad(c, 'does not start where the previous one ended');
    if (c.count !== c.leaves.length) bad(c, `says ${c.count} events and lists ${c.leaves.length}`);
    if (
      chainOver(
        c.previousHead,
        c.leaves.map(([, leaf]) => leaf),
      ) !== c.head
    )
      bad(c, 'its leaves do not chain to its signed head');
    const signature = input.checkSignature?.(c);
    if (signature && !signature.ok) bad(c, signature.detail);
    previous = c;
  }
  return problems;
};

export const verifyOrigin = (input: VerifyOriginInput): OriginVerification => {
  const { origin } = input;
  const sorted = [...input.checkpoints].sort((a, b) => a.sequence - b.sequence);
  const problems = checkpointProblems(input, sorted);
  const events = [...input.events].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const byId = new Map(events.map((e, index) => [e.eventId.toLowerCase(), { e, index }]));
  const listed = new Map<string, string>();
  const listedOrder: string[] = [];
  for (const c of sorted)
    for (const [eventId, leaf] of c.leaves) {
      const id = eventId.toLowerCase();
      if (!listed.has(id)) listedOrder.push(id);
      listed.set(id, leaf);
    }
  const report = (kind: LogProblemKind, e: ChainedEvent | null, eventId: string, detail: string): void => {
    problems.push({ kind, origin, eventId, ...(e ? { position: e.position.toString() } : {}), detail });
  };

  // Each listed event: held (when this log should hold all), and with the leaf the origin signed.
  let lastFound = -1;
  const expectedOrder: string[] = [];
  for (const id of listedOrder) {
    const found = byId.get(id);
    if (!found) {
      if (input.complete) report('missing', null, id, 'listed in a signed checkpoint and absent from the log');
      continue;
    }
    expectedOrder.push(id);
    lastFound = Math.max(lastFound, found.index);
    if (found.e.leaf !== listed.get(id)) report('altered', found.e, id, 'its content does not hash to the leaf the checkpoint signed');
  }
  // Same events, in the log's order: a position where the two orders differ names an event moved.
  const actualOrder = events.filter((e) => listed.has(e.eventId.toLowerCase())).map((e) => e.eventId.toLowerCase());
  actualOrder.forEach((id, i) => {
    if (id !== expectedOrder[i])
      report('out-of-order', byId.get(id)!.e, id, `is where the checkpoints put ${expectedOrder[i] ?? 'nothing'}`);
  });

  const lastTo = sorted.length > 0 ? BigInt(sorted[sorted.length - 1]!.toPosition) : -1n;
  let covered = 0;
  let uncovered = 0;
  events.forEach((e, index) => {
    const id = e.eventId.toLowerCase();
    if (listed.has(id)) {
      covered++;
      return;
    }
    const inRange = input.complete ? index < lastFound : e.order <= lastTo;
    if (inRange) report('unlisted', e, id, 'lies inside the checkpointed log and no checkpoint lists it');
    // Not signed yet (committed after the last checkpoint): nothing to check it against.
    else uncovered++;
  });
  return { origin, checkpoints: sorted.length, covered, uncovered, problems };
};
