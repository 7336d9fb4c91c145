import type { Actor } from '@vaxledger/domain';
import type { AefiReportRow } from '@vaxledger/projections';

/** The current instant as ISO 8601 (a fixed one in tests). */
export type Clock = () => string;
export const systemClock: Clock = () => new Date().toISOString();

/** Runs tasks of one key one after another (dose capture per site, ADR 0004). */
export interface KeyedSerialiser {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/** Runs each task at once: where one process alone writes (a test, a one-shot tool). */
export const noSerialiser: KeyedSerialiser = { run: (_key, task) => task() };

/** Short-lived permission for a site to read a person's record (the person stood before it). */
export interface PersonGrants {
  grantPerson(grantee: string, personId: string, ttlMs: number): Promise<void>;
}

/** An access rule's answer: allowed, refused openly, or refused as if the object did not exist. */
export type AccessDecision = 'allow' | 'forbidden' | 'not_found';

/**
 * Object-level rules a use case asks about (the edge's policy decides; the role gate itself
 * stays at each entry point). Each answers for an actor and the object as the ledger knows it.
 */
export interface AccessPolicy {
  /** May the actor void a dose given at this site? */
  mayVoidDose(actor: Actor, doseSite: string): Promise<AccessDecision>;
  /** May the actor acknowledge or classify this AEFI report (the county CDC of vaccination; regulators classify)? */
  mayHandleAefi(actor: Actor, report: AefiReportRow, act: 'acknowledge' | 'classify'): Promise<AccessDecision>;
}

/** The site an actor acts as: its point of vaccination, else its organisation. */
export const siteOf = (actor: Actor): string => actor.siteCode ?? actor.orgCode;
