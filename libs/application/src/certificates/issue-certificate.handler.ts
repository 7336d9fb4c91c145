import type { KeyObject } from 'node:crypto';
import { type Actor, personRecordRead } from '@vaxledger/domain';
import type { EventStore } from '@vaxledger/event-store';
import type { PersonVault } from '@vaxledger/privacy';
import type { ReadModels } from '@vaxledger/projections';
import { type AccessContext, recordAccess } from '../audit/record-access';
import { type AccessPolicy, enforce } from '../kernel/access';
import { ApplicationError } from '../kernel/errors';
import { type Clock, systemClock } from '../kernel/ports';
import type { PublicJwk } from './certificate-trust-list';
import { type CardCoding, type CardDose, healthCardBundle } from './health-card-bundle';
import { healthCardQrPng } from './qr-image';
import { revocationIdOf } from './revocation-list';
import {
  type CompletenessClaim,
  HEALTH_CARD_TYPE,
  type HealthCardClaims,
  IMMUNIZATION_CARD_TYPE,
  signHealthCard,
  SINGLE_QR_LIMIT,
  toNumericQr,
} from './smart-health-card';

/** The province's certificate keys (DATA_DIR/certificate-keys.json, apps/api/src/infrastructure). */
export interface CertificateKeys {
  /** The card's `iss`: the URL under which the province publishes `/.well-known/jwks.json`. */
  readonly issuer: string;
  /** The key new cards are signed with. */
  readonly signing: { readonly kid: string; readonly privateKey: KeyObject };
  /** Every public key cards were ever signed with here (the current one first). */
  readonly publicKeys: readonly PublicJwk[];
}

export interface IssueCertificateDeps {
  readonly store: EventStore;
  readonly reads: ReadModels;
  readonly vault: PersonVault;
  readonly access: AccessPolicy;
  readonly provinceCode: string;
  readonly pseudonymSecret: string;
  /** Null where the node has no certificate key: issuing answers CERTIFICATE_UNAVAILABLE. */
  readonly keys: () => CertificateKeys | null;
  /** The vaccine's codes (the FHIR adapter's value sets: CVX where one fits, our own otherwise). */
  readonly codingsOf: (dose: CardDose) => readonly CardCoding[];
  /** Per other origin, up to when this node holds all of the person's events (sync's history); null where sync is off. */
  readonly completeness: ((personId: string) => Promise<readonly CompletenessClaim[]>) | null;
  readonly clock?: Clock;
  /** Waits until the read models show everything committed (the command executor's catch-up, PROJECTION_WAIT_MS). */
  readonly catchUp: () => Promise<void>;
}

export interface IssuedCertificate {
  readonly personId: string;
  /** The compact JWS (also the only entry of a .smart-health-card file). */
  readonly jws: string;
  /** The `shc:/` numeric text the QR code holds. */
  readonly qr: string;
  /** The QR code as a PNG, base64. */
  readonly qrPng: string;
  /** False when the card is larger than one QR code of the spec's size (version 22) can hold. */
  readonly fitsSingleQr: boolean;
  readonly issuer: string;
  readonly kid: string;
  readonly issuedAt: string;
  readonly doses: number;
  readonly origins: readonly CompletenessClaim[];
}

const unavailable = (why: string): ApplicationError => new ApplicationError('CERTIFICATE_UNAVAILABLE', why);

/**
 * A card's issue time, in whole seconds as its `nbf`, is never before the second in which the
 * person's cards were last revoked: the revocation list names that second rounded up, and
 * revokes the cards issued before it. A card made from the corrected record in the same second
 * as the correction would otherwise be revoked at once; it is dated up to a second later instead.
 */
export const notBeforeRevocation = (now: string, revokedAt: Date | null): string => {
  if (revokedAt === null) return now;
  const revokedUntil = Math.ceil(revokedAt.getTime() / 1000) * 1000;
  return Date.parse(now) >= revokedUntil ? now : new Date(revokedUntil).toISOString();
};

/**
 * IssueCertificate: a SMART Health Card of a person's valid doses from every origin this node
 * holds, signed by the province's certificate key. Who may ask is who may read the record; the
 * issue is audited as a record read before the card leaves the node. Name and birth date come
 * from the vault into the signed card only: nothing of them is logged or appended.
 */
export class IssueCertificateHandler {
  constructor(private readonly deps: IssueCertificateDeps) {}

  async handle(command: { readonly personId: string }, actor: Actor, access: AccessContext): Promise<IssuedCertificate> {
    const { personId } = command;
    const { reads, vault } = this.deps;
    const notFound = (): Error => new ApplicationError('NOT_FOUND', 'no record of this person on this node');
    enforce(await this.deps.access.mayReadPersonRecord(actor, personId), notFound);
    const keys = this.deps.keys();
    if (!keys)
      throw unavailable(
        'this node has no certificate key: run `npm run cli -- certificate new-key` (docs/adr/0018-signed-certificates.md)',
      );
    // The card is made from everything committed so far: a dose voided a moment ago is not on it.
    await this.deps.catchUp();
    const [rows, person, details, revokedAt] = await Promise.all([
      reads.doses(personId),
      reads.person(personId),
      vault.readDetails(personId),
      reads.latestCertificateRevocation(personId),
    ]);
    if (rows.length === 0 && !person) throw notFound();
    const doses = rows.filter((d) => d.status === 'valid');
    if (doses.length === 0) throw unavailable('the person has no valid dose to certify');
    if (!details || person?.erased)
      throw unavailable('this node holds no name and birth date of the person (erased, or registered elsewhere)');
    const issuedAt = notBeforeRevocation((this.deps.clock ?? systemClock)(), revokedAt);
    await recordAccess(
      this.deps.store,
      this.deps.provinceCode,
      actor,
      access,
      personRecordRead({ personId, purpose: access.purpose, accessedAt: issuedAt }),
    );
    const origins = await this.originsOf(personId, doses, issuedAt);
    const claims: HealthCardClaims = {
      iss: keys.issuer,
      nbf: Math.floor(Date.parse(issuedAt) / 1000),
      vc: {
        type: [HEALTH_CARD_TYPE, IMMUNIZATION_CARD_TYPE],
        credentialSubject: { fhirVersion: '4.0.1', fhirBundle: healthCardBundle(details, doses, this.deps.codingsOf) },
        rid: revocationIdOf(this.deps.pseudonymSecret, personId),
      },
      vxl: { province: this.deps.provinceCode, origins },
    };
    const jws = await signHealthCard(claims, keys.signing);
    const qr = toNumericQr(jws);
    return {
      personId,
      jws,
      qr,
      qrPng: healthCardQrPng(qr).toString('base64'),
      fitsSingleQr: jws.length <= SINGLE_QR_LIMIT,
      issuer: keys.issuer,
      kid: keys.signing.kid,
      issuedAt,
      doses: doses.length,
      origins,
    };
  }

  /** The node's own province is complete as of now; other origins as far as sync says. */
  private async originsOf(personId: string, doses: readonly CardDose[], now: string): Promise<CompletenessClaim[]> {
    const own = this.deps.provinceCode;
    const others = (await this.deps.completeness?.(personId)) ?? [];
    const byOrigin = new Map<string, string | null>([[own, now]]);
    for (const o of others) if (o.origin !== own) byOrigin.set(o.origin, o.completeUpTo);
    // A dose from an origin sync has not reported on: held, but with no completeness claim.
    for (const d of doses) if (!byOrigin.has(d.originProvince)) byOrigin.set(d.originProvince, null);
    return [...byOrigin].sort(([a], [b]) => a.localeCompare(b)).map(([origin, completeUpTo]) => ({ origin, completeUpTo }));
  }
}
