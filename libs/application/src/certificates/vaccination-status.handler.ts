import { type Actor, personRecordRead, scheduleFor } from '@vaxledger/domain';
import type { EventStore } from '@vaxledger/event-store';
import type { ReadModels } from '@vaxledger/projections';
import { CompactSign } from 'jose';
import { type AccessContext, recordAccess } from '../audit/record-access';
import { ApplicationError } from '../kernel/errors';
import { type Clock, systemClock } from '../kernel/ports';
import type { PersonHistory } from '../persons/identify-person.handler';
import { type IdentityDocument, pseudonymFor } from '../persons/pseudonym';
import type { CertificateKeys } from './issue-certificate.handler';
import type { CompletenessClaim } from './smart-health-card';

export const STATUS_TYPE = 'vaxledger-status+jws';

export interface VaccineStatus {
  readonly vaccineType: string;
  readonly dosesValid: number;
  /** Doses of the primary series (null: a vaccine without a schedule here). */
  readonly seriesDoses: number | null;
  readonly seriesComplete: boolean;
  readonly lastDoseAt: string;
  readonly origins: readonly string[];
}

/** What a health-code platform receives: no name, no ID number, no pseudonym. */
export interface VaccinationStatus {
  readonly iss: string;
  /** The platform that asked (its organisation code): an answer shown to another is not for it. */
  readonly aud: string;
  /** The platform's nonce for this request, when it sent one: the answer is to that request. */
  readonly nonce?: string;
  readonly province: string;
  readonly issuedAt: string;
  /** True when every origin holding the person's doses has answered and this node holds them all. */
  readonly complete: boolean;
  readonly origins: readonly CompletenessClaim[];
  readonly vaccines: readonly VaccineStatus[];
}

export interface VaccinationStatusDeps {
  readonly store: EventStore;
  readonly reads: ReadModels;
  readonly history: PersonHistory | null;
  readonly provinceCode: string;
  readonly pseudonymSecret: string;
  readonly keys: () => CertificateKeys | null;
  readonly completeness: ((personId: string) => Promise<readonly CompletenessClaim[]>) | null;
  readonly clock?: Clock;
}

/**
 * VaccinationStatus: a provincial health-code platform presents an ID document and gets, per
 * vaccine type, the person's valid doses from every origin this node holds, signed with the
 * province's certificate key so the platform can show and cache it. The ID is pseudonymised
 * here and goes no further; the call is audited; the first call for a person asks the other
 * provinces for their history, and the answer says whether the node holds it all yet. The
 * answer is bound to the platform that asked (`aud`) and, with its nonce, to the request: it
 * still names no person, so the platform binds it to the document it sent.
 */
export class VaccinationStatusHandler {
  constructor(private readonly deps: VaccinationStatusDeps) {}

  async handle(
    document: IdentityDocument,
    actor: Actor,
    access: AccessContext,
    request: { readonly nonce?: string | undefined } = {},
  ): Promise<{ status: VaccinationStatus; jws: string }> {
    const keys = this.deps.keys();
    if (!keys) throw new ApplicationError('CERTIFICATE_UNAVAILABLE', 'this node has no certificate key to sign the status with');
    const personId = pseudonymFor(this.deps.pseudonymSecret, document, '');
    const issuedAt = (this.deps.clock ?? systemClock)();
    await recordAccess(
      this.deps.store,
      this.deps.provinceCode,
      actor,
      access,
      personRecordRead({ personId, purpose: access.purpose, accessedAt: issuedAt }),
    );
    // Records from elsewhere arrive in the background (once per person); `complete` says how far.
    await this.deps.history?.request(personId).catch(() => false);
    const valid = (await this.deps.reads.doses(personId)).filter((d) => d.status === 'valid');
    const others = (await this.deps.completeness?.(personId)) ?? [];
    const origins = new Map<string, string | null>([[this.deps.provinceCode, issuedAt]]);
    for (const o of others) if (o.origin !== this.deps.provinceCode) origins.set(o.origin, o.completeUpTo);
    for (const d of valid) if (!origins.has(d.originProvince)) origins.set(d.originProvince, null);
    const types = [...new Set(valid.map((d) => d.vaccineType))].sort();
    const vaccines = types.map((vaccineType): VaccineStatus => {
      const doses = valid.filter((d) => d.vaccineType === vaccineType);
      const series = scheduleFor(vaccineType)?.doses ?? null;
      const numbers = new Set(doses.map((d) => d.doseNumber));
      return {
        vaccineType,
        dosesValid: doses.length,
        seriesDoses: series,
        seriesComplete: series !== null && [...Array(series).keys()].every((i) => numbers.has(i + 1)),
        lastDoseAt: doses.map((d) => d.administeredAt).sort((a, b) => Date.parse(a) - Date.parse(b))[doses.length - 1]!,
        origins: [...new Set(doses.map((d) => d.originProvince))].sort(),
      };
    });
    const status: VaccinationStatus = {
      iss: keys.issuer,
      aud: actor.orgCode,
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      province: this.deps.provinceCode,
      issuedAt,
      complete: [...origins.values()].every((upTo) => upTo !== null),
      origins: [...origins].sort(([a], [b]) => a.localeCompare(b)).map(([origin, completeUpTo]) => ({ origin, completeUpTo })),
      vaccines,
    };
    const jws = await new CompactSign(Buffer.from(JSON.stringify(status), 'utf8'))
      .setProtectedHeader({ alg: 'ES256', kid: keys.signing.kid, typ: STATUS_TYPE })
      .sign(keys.signing.privateKey);
    return { status, jws };
  }
}
