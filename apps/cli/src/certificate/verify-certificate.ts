import { existsSync, readFileSync } from 'node:fs';
import {
  type CardVerdict,
  type CertificateTrustList,
  mergeTrustLists,
  parseCertificateTrustList,
  type RevocationList,
  verifyHealthCard,
  verifyRevocationList,
} from '@vaxledger/application';

/** Exit status of `certificate verify`: 0 valid, 1 invalid, 3 revoked (2 stays usage errors). */
export const VERIFY_EXIT = { valid: 0, invalid: 1, revoked: 3 } as const;

export class VerifyInputError extends Error {}

/** The card as given: `shc:/…` or a JWS on the command line, or the path of a file holding either (or a .smart-health-card file). */
const presentationOf = (card: string): string => {
  const text = card.trim();
  if (text.startsWith('shc:/') || /^[\w-]+\.[\w-]+\.[\w-]+$/.test(text)) return text;
  if (!existsSync(text)) throw new VerifyInputError(`${text.slice(0, 60)} is neither shc:/ text, a JWS, nor a file`);
  return readFileSync(text, 'utf8');
};

const readTrustLists = (files: readonly string[]): CertificateTrustList => {
  if (files.length === 0) throw new VerifyInputError('no trust list: pass --trust-list <file> or set CERTIFICATE_TRUST_LIST');
  try {
    return mergeTrustLists(files.map((file) => parseCertificateTrustList(readFileSync(file, 'utf8'))));
  } catch (error) {
    throw new VerifyInputError(`trust list: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** A revocation list file: the compact JWS, or the JSON answer of GET /v1/certificates/revocations. */
const readRevocations = async (files: readonly string[], trust: CertificateTrustList): Promise<RevocationList[]> =>
  Promise.all(
    files.map(async (file) => {
      const text = readFileSync(file, 'utf8').trim();
      const jws = text.startsWith('{') ? String((JSON.parse(text) as { jws?: unknown }).jws ?? '') : text;
      try {
        return await verifyRevocationList(jws, trust);
      } catch (error) {
        throw new VerifyInputError(`revocation list ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );

/** Lines saying what the card is and why, and the verdict. */
export const describeVerdict = (verdict: CardVerdict): string[] => {
  if (verdict.status === 'invalid') return [`invalid: ${verdict.reason}: ${verdict.detail}`];
  const bundle = verdict.claims.vc.credentialSubject.fhirBundle as { entry?: { resource?: { resourceType?: string } }[] };
  const doses = (bundle.entry ?? []).filter((e) => e.resource?.resourceType === 'Immunization').length;
  const lines = [
    verdict.status === 'valid'
      ? `valid: signed by ${verdict.issuer} (province ${verdict.province}, key ${verdict.kid}), issued ${verdict.issuedAt}, ${doses} dose(s)`
      : `revoked: revoked at ${verdict.revokedAt ?? '?'} by ${verdict.revokedBy ?? '?'} (a dose entered in error or the person's details erased after issue); signed by ${verdict.issuer}, issued ${verdict.issuedAt}`,
  ];
  for (const o of verdict.claims.vxl?.origins ?? []) lines.push(`  origin ${o.origin}: complete up to ${o.completeUpTo ?? 'unknown'}`);
  return lines;
};

/** `certificate verify`: offline, with the trust list files and any revocation lists given. */
export const verifyCertificate = async (
  card: string,
  options: { readonly trustLists: readonly string[]; readonly revocations: readonly string[]; readonly now?: Date },
): Promise<{ verdict: CardVerdict; lines: string[]; exitCode: number }> => {
  const trust = readTrustLists(options.trustLists);
  const revocations = await readRevocations(options.revocations, trust);
  const verdict = await verifyHealthCard(presentationOf(card), trust, { revocations, ...(options.now ? { now: options.now } : {}) });
  const lines = describeVerdict(verdict);
  // "valid" without a revocation list says nothing about corrections made since the card was issued.
  if (verdict.status === 'valid' && options.revocations.length === 0)
    lines.push("  revocation not checked: give --revocations (the issuer's GET /v1/certificates/revocations) to check it");
  return { verdict, lines, exitCode: VERIFY_EXIT[verdict.status] };
};
