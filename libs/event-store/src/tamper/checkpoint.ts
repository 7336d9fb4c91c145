import { createHash, hash } from 'node:crypto';
import { part } from './leaf-hash';

/**
 * Signed checkpoints of a province's log (docs/adr/0019-tamper-evident-log.md), in the manner
 * of Certificate Transparency's signed tree heads, with a hash chain instead of a Merkle tree:
 *
 *   head₀ = 32 zero bytes;   headₙ = SHA-256( part(CHAIN_TAG) ‖ headₙ₋₁ ‖ leafₙ )
 *
 * over every event the province originated, in its log order (checkpoints themselves aside).
 * Each checkpoint extends the previous one: it names the head it starts from and the head it
 * ends at, lists the (event id, leaf) pairs in between, and is signed with the province's
 * Ed25519 sync key. Its head therefore commits to the province's whole history up to it.
 */
export const CHAIN_TAG = 'vaxledger.log.v1.chain';
export const CHECKPOINT_TAG = 'vaxledger.log.v1.checkpoint.ed25519';
export const CHECKPOINT_EVENT_TYPE = 'LogCheckpointed';
export const GENESIS_HEAD = '0'.repeat(64);

/** The stream of a province's checkpoints (published with its events, to every province). */
export const checkpointStream = (origin: string): string => `logcheckpoint-${origin}`;
export const isCheckpointStream = (streamId: string): boolean => streamId.startsWith('logcheckpoint-');

export interface CheckpointBody {
  readonly origin: string;
  /** 1 for the province's first checkpoint, then one more each time. */
  readonly sequence: number;
  /** Origin log positions: the range is after `fromPosition`, up to and with `toPosition`. */
  readonly fromPosition: string;
  readonly toPosition: string;
  readonly count: number;
  readonly previousHead: string;
  readonly head: string;
  readonly signedAt: string;
}

/** The data of a `LogCheckpointed` event. */
export interface LogCheckpoint extends CheckpointBody {
  readonly keyId: string;
  /** Ed25519 signature (base64) over `checkpointSignedBytes`. */
  readonly signature: string;
  /** [event id, leaf hash], in the origin's log order. */
  readonly leaves: readonly (readonly [string, string])[];
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

const CHAIN_PREFIX = part(utf8(CHAIN_TAG));
/** Scratch for the usual step (two 64-digit hex values), reused: a step runs for every leaf signed or checked. */
const scratch = Buffer.alloc(CHAIN_PREFIX.length + 64);
CHAIN_PREFIX.copy(scratch);

/**
 * One step of the chain. Hex is decoded as `Buffer.from(x, 'hex')` does (up to the first
 * character that is not a hex digit), so a malformed value hashes as it always did.
 */
export const chainStep = (head: string, leaf: string): string => {
  if (head.length === 64 && leaf.length === 64) {
    const h = scratch.write(head, CHAIN_PREFIX.length, 'hex');
    const l = scratch.write(leaf, CHAIN_PREFIX.length + h, 'hex');
    return hash('sha256', scratch.subarray(0, CHAIN_PREFIX.length + h + l), 'hex');
  }
  return createHash('sha256').update(CHAIN_PREFIX).update(Buffer.from(head, 'hex')).update(Buffer.from(leaf, 'hex')).digest('hex');
};

export const chainOver = (start: string, leaves: readonly string[]): string => leaves.reduce(chainStep, start);

/** What the signature covers: every field but the leaves, which the head covers. */
export const checkpointSignedBytes = (body: CheckpointBody, keyId: string): Buffer =>
  Buffer.concat(
    [
      CHECKPOINT_TAG,
      keyId,
      body.origin,
      String(body.sequence),
      body.fromPosition,
      body.toPosition,
      String(body.count),
      body.previousHead,
      body.head,
      body.signedAt,
    ].map((text) => part(utf8(text))),
  );

const HEX64 = /^[0-9a-f]{64}$/;

/** The checkpoint in an event's data, or null when it is not shaped like one. */
export const checkpointOf = (data: unknown): LogCheckpoint | null => {
  if (data === null || typeof data !== 'object') return null;
  const c = data as Record<string, unknown>;
  const ok =
    typeof c.origin === 'string' &&
    Number.isInteger(c.sequence) &&
    typeof c.fromPosition === 'string' &&
    typeof c.toPosition === 'string' &&
    Number.isInteger(c.count) &&
    typeof c.previousHead === 'string' &&
    HEX64.test(c.previousHead) &&
    typeof c.head === 'string' &&
    HEX64.test(c.head) &&
    typeof c.signedAt === 'string' &&
    typeof c.keyId === 'string' &&
    typeof c.signature === 'string' &&
    Array.isArray(c.leaves) &&
    c.leaves.every(
      (l: unknown) => Array.isArray(l) && l.length === 2 && typeof l[0] === 'string' && typeof l[1] === 'string' && HEX64.test(l[1]),
    );
  return ok ? (c as unknown as LogCheckpoint) : null;
};

/** Checks a checkpoint's signature: the caller holds the keys (the trust list, or this node's own). */
export type CheckpointSignatureCheck = (checkpoint: LogCheckpoint) => { ok: true } | { ok: false; detail: string };
