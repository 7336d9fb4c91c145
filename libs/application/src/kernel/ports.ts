import type { Actor } from '@vaxledger/domain';

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

/** The site an actor acts as: its point of vaccination, else its organisation. */
export const siteOf = (actor: Actor): string => actor.siteCode ?? actor.orgCode;
