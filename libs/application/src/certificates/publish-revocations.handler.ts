import type { ReadModels } from '@vaxledger/projections';
import { ApplicationError } from '../kernel/errors';
import { type Clock, systemClock } from '../kernel/ports';
import type { PublicJwk } from './certificate-trust-list';
import type { CertificateKeys } from './issue-certificate.handler';
import { crlVersionOf, type KeyRevocationList, revocationEntries, type RevocationList, signRevocationList } from './revocation-list';

export interface PublishRevocationsDeps {
  readonly reads: ReadModels;
  readonly provinceCode: string;
  readonly pseudonymSecret: string;
  readonly keys: () => CertificateKeys | null;
  readonly clock?: Clock;
}

/**
 * PublishRevocations: the signed list of revoked certificates, derived from this node's log
 * (voided doses, erased details from every province it holds), signed with the province's
 * certificate key. Public: it names revocation ids, which are keyed hashes of no use without a card.
 */
export class PublishRevocationsHandler {
  constructor(private readonly deps: PublishRevocationsDeps) {}

  private requireKeys(): CertificateKeys {
    const keys = this.deps.keys();
    if (!keys)
      throw new ApplicationError('CERTIFICATE_UNAVAILABLE', 'this node has no certificate key, so it has issued no certificate to revoke');
    return keys;
  }

  async handle(): Promise<{ readonly jws: string; readonly list: RevocationList }> {
    const keys = this.requireKeys();
    const rows = await this.deps.reads.certificateRevocations();
    const list: RevocationList = {
      iss: keys.issuer,
      province: this.deps.provinceCode,
      issuedAt: (this.deps.clock ?? systemClock)(),
      method: 'rid',
      ctr: rows.length,
      rids: revocationEntries(this.deps.pseudonymSecret, rows),
    };
    return { jws: await signRevocationList(list, keys.signing), list };
  }

  /** The spec's per-key CRL (`/.well-known/crl/{kid}.json`); NOT_FOUND for a key this node never signed with. */
  async crl(kid: string): Promise<KeyRevocationList> {
    const keys = this.requireKeys();
    if (!keys.publicKeys.some((k) => k.kid === kid)) throw new ApplicationError('NOT_FOUND', `no certificate key ${kid} is published here`);
    const rows = await this.deps.reads.certificateRevocations();
    return { kid, method: 'rid', ctr: crlVersionOf(rows.length), rids: revocationEntries(this.deps.pseudonymSecret, rows) };
  }

  /** The JWKS, each key with the `crlVersion` of its CRL (empty without a key file). */
  async jwks(): Promise<{ readonly keys: readonly (PublicJwk & { readonly crlVersion: number })[] }> {
    const keys = this.deps.keys();
    if (!keys) return { keys: [] };
    const crlVersion = crlVersionOf((await this.deps.reads.certificateRevocations()).length);
    return { keys: keys.publicKeys.map((k) => ({ ...k, crlVersion })) };
  }
}
