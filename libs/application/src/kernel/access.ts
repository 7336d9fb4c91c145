import type { Actor } from '@vaxledger/domain';
import type { AefiReportRow } from '@vaxledger/projections';
import { ApplicationError } from './errors';

/** An access rule's answer: allowed, refused openly, or refused as if the object did not exist. */
export type AccessDecision = 'allow' | 'forbidden' | 'not_found';

/** What a recall is, as far as who may lift it goes. */
export interface RecallOnRecord {
  readonly batchIds: readonly string[];
  readonly details: Record<string, unknown>;
}

/**
 * Object-level rules the use cases ask about. The edge's policy decides them (apps/api/src/auth);
 * the role gate itself stays at each entry point. Each answers for an actor and the object as
 * the ledger knows it, loading what it needs (where a batch has been, who supervises a site).
 */
export interface AccessPolicy {
  /** May the actor void a dose given at this site? */
  mayVoidDose(actor: Actor, doseSite: string): Promise<AccessDecision>;
  /** May the actor receive this dispatch (null: not known here)? */
  mayReceiveShipment(actor: Actor, dispatch: { readonly toSite: string } | null): Promise<AccessDecision>;
  /** May the actor grant or refuse the lot release of this batch? */
  mayDecideRelease(actor: Actor, batchId: string): Promise<AccessDecision>;
  /** May the actor recall or suspend this batch? */
  mayRecallBatch(actor: Actor, batchId: string): Promise<AccessDecision>;
  mayLiftRecall(actor: Actor, recall: RecallOnRecord): Promise<AccessDecision>;
  mayRegisterOrganisation(actor: Actor, provinceCode: string): Promise<AccessDecision>;
  mayErasePersonDetails(actor: Actor): Promise<AccessDecision>;
  /** May the actor read this person's record (and so have a certificate of it issued)? */
  mayReadPersonRecord(actor: Actor, personId: string): Promise<AccessDecision>;
  /** May the actor acknowledge or classify this AEFI report (the county CDC of vaccination; regulators classify)? */
  mayHandleAefi(actor: Actor, report: AefiReportRow, act: 'acknowledge' | 'classify'): Promise<AccessDecision>;
}

/** Allows everything: for tests of a use case's rules, where who may act is not the question. */
export const allowAll: AccessPolicy = {
  mayVoidDose: () => Promise.resolve('allow'),
  mayReceiveShipment: () => Promise.resolve('allow'),
  mayDecideRelease: () => Promise.resolve('allow'),
  mayRecallBatch: () => Promise.resolve('allow'),
  mayLiftRecall: () => Promise.resolve('allow'),
  mayRegisterOrganisation: () => Promise.resolve('allow'),
  mayErasePersonDetails: () => Promise.resolve('allow'),
  mayReadPersonRecord: () => Promise.resolve('allow'),
  mayHandleAefi: () => Promise.resolve('allow'),
};

/**
 * Turns a refusal into its error: `forbidden` is said openly, `not_found` reads exactly like
 * an unknown object (the caller must not learn that a guessed id exists).
 */
export const enforce = (decision: AccessDecision, hidden: () => Error): void => {
  if (decision === 'allow') return;
  if (decision === 'forbidden') throw new ApplicationError('FORBIDDEN', 'not allowed for this caller or jurisdiction');
  throw hidden();
};
