import type { Message } from 'kafkajs';

/**
 * Messages on `control.<province>` topics: asking for a person's history and answering.
 * They carry only the pseudonym and province codes, never personal details. JSON, because
 * they are few, small and read only by this code; the event envelope stays protobuf.
 */
export type ControlMessage =
  | { readonly v: 1; readonly kind: 'history-request'; readonly personId: string; readonly requester: string }
  | {
      readonly v: 1;
      readonly kind: 'history-answer';
      readonly personId: string;
      readonly responder: string;
      /** Events of the person this responder holds and published again. */
      readonly eventCount: number;
      /** Recorded time of the responder's newest event of the person. */
      readonly upTo: string | null;
      /** From the hub only: the provinces that hold the person's streams. */
      readonly holders?: readonly string[];
    };

const PERSON = /^p[12][a-z2-7]{26}$/;
const PROVINCE = /^\d{6}$/;

export const historyRequest = (personId: string, requester: string): Message => ({
  key: personId,
  value: JSON.stringify({ v: 1, kind: 'history-request', personId, requester } satisfies ControlMessage),
});

export const historyAnswer = (answer: Omit<Extract<ControlMessage, { kind: 'history-answer' }>, 'v' | 'kind'>): Message => ({
  key: answer.personId,
  value: JSON.stringify({ v: 1, kind: 'history-answer', ...answer } satisfies ControlMessage),
});

/** Parses and checks a control message; null for anything malformed (it is then ignored and counted). */
export const parseControlMessage = (bytes: Buffer | null): ControlMessage | null => {
  if (!bytes || bytes.length > 16_384) return null;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.v !== 1 || typeof m.personId !== 'string' || !PERSON.test(m.personId)) return null;
  if (m.kind === 'history-request')
    return typeof m.requester === 'string' && PROVINCE.test(m.requester)
      ? { v: 1, kind: 'history-request', personId: m.personId, requester: m.requester }
      : null;
  if (m.kind === 'history-answer') {
    if (typeof m.responder !== 'string' || !PROVINCE.test(m.responder)) return null;
    if (typeof m.eventCount !== 'number' || !Number.isInteger(m.eventCount) || m.eventCount < 0) return null;
    if (m.upTo !== null && typeof m.upTo !== 'string') return null;
    const holders = m.holders;
    if (holders !== undefined && !(Array.isArray(holders) && holders.every((h) => typeof h === 'string' && PROVINCE.test(h)))) return null;
    return {
      v: 1,
      kind: 'history-answer',
      personId: m.personId,
      responder: m.responder,
      eventCount: m.eventCount,
      upTo: (m.upTo as string | null) ?? null,
      ...(holders ? { holders: holders as string[] } : {}),
    };
  }
  return null;
};
