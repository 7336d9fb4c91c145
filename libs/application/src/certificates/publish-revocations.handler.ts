import type { ReadModels } from '@vaxledger/projections';
import { ApplicationError } from '../kernel/errors';
import { type Clock, systemClock } from '../kernel/ports';
import type { CertificateKeys } from './issue-certificate.handler';
import { revocationEntries, type RevocationList, signRevocationList } from './revocation-list';

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

  async handle(): Promise<{ readonly jws: string; readonly list: RevocationList }> {
    const keys = this.deps.keys();
    if (!keys)
      throw new ApplicationError('CERTIFICATE_UNAVAILABLE', 'this node has no certificate key, so it has issued no certificate to revoke');
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
}
