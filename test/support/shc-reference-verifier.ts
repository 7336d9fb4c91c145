/**
 * An independent SMART Health Card verifier, written from the published specification
 * (spec.smarthealth.cards, "Health Cards" and its FHIR rules) with `jose`, sharing nothing with
 * Vaxledger's issuing or verifying code: if our cards pass here, a verifier built the same way
 * by someone else would accept them too.
 *
 * Steps, as the spec orders them: decode the QR's numeric mode, split the JWS, inflate the
 * payload to learn `iss`, take that issuer's JWKS (here passed in: offline), pick the key named
 * by `kid`, check the key's form and thumbprint, verify ES256, then check the credential.
 */
import { inflateRawSync } from 'node:zlib';
import { calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';

export interface ReferenceResult {
  readonly ok: boolean;
  readonly problems: string[];
  readonly payload?: Record<string, unknown>;
}

const b64urlJson = (part: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

const qrToJws = (qr: string): string => {
  const digits = qr.replace(/^shc:\//, '');
  const pairs = digits.match(/\d\d/g) ?? [];
  return pairs.map((pair) => String.fromCharCode(parseInt(pair, 10) + 45)).join('');
};

/** FHIR elements the spec says a card must leave out (Resource.id, meta except security, text, displays). */
const fhirRuleProblems = (value: unknown, path: string, problems: string[]): void => {
  if (Array.isArray(value)) {
    value.forEach((v, i) => fhirRuleProblems(v, `${path}[${i}]`, problems));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  if ('resourceType' in record && record.resourceType !== 'Bundle') {
    if ('id' in record) problems.push(`${path}.id must be left out`);
    if ('text' in record) problems.push(`${path}.text must be left out`);
    if ('meta' in record && Object.keys(record.meta as object).some((k) => k !== 'security'))
      problems.push(`${path}.meta may hold security only`);
  }
  if ('coding' in record && Array.isArray(record.coding) && 'text' in record)
    problems.push(`${path}.text of a CodeableConcept must be left out`);
  if ('system' in record && 'code' in record && 'display' in record) problems.push(`${path}.display must be left out`);
  for (const [key, child] of Object.entries(record)) fhirRuleProblems(child, `${path}.${key}`, problems);
};

export const verifyWithReferenceVerifier = async (
  qrOrJws: string,
  jwksByIssuer: Readonly<Record<string, { keys: JWK[] }>>,
): Promise<ReferenceResult> => {
  const problems: string[] = [];
  const jws = qrOrJws.startsWith('shc:/') ? qrToJws(qrOrJws) : qrOrJws;
  const parts = jws.split('.');
  if (parts.length !== 3) return { ok: false, problems: ['not a compact JWS'] };
  const header = b64urlJson(parts[0]!);
  if (header.alg !== 'ES256') problems.push('alg must be ES256');
  if (header.zip !== 'DEF') problems.push('zip must be DEF');
  if (typeof header.kid !== 'string') return { ok: false, problems: [...problems, 'kid missing'] };
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(inflateRawSync(Buffer.from(parts[1]!, 'base64url')).toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, problems: [...problems, 'payload is not raw DEFLATE JSON'] };
  }
  const jwks = jwksByIssuer[String(payload.iss)];
  if (!jwks) return { ok: false, problems: [...problems, `no JWKS for issuer ${String(payload.iss)}`] };
  const key = jwks.keys.find((k) => k.kid === header.kid);
  if (!key) return { ok: false, problems: [...problems, `issuer has no key ${header.kid}`] };
  if (key.kty !== 'EC' || key.crv !== 'P-256' || key.alg !== 'ES256' || key.use !== 'sig')
    problems.push('key must be EC P-256, alg ES256, use sig');
  if ((await calculateJwkThumbprint({ kty: key.kty, crv: key.crv, x: key.x, y: key.y } as JWK, 'sha256')) !== key.kid)
    problems.push('kid is not the key thumbprint');
  try {
    await compactVerify(jws, await importJWK(key, 'ES256'));
  } catch {
    return { ok: false, problems: [...problems, 'signature does not verify'] };
  }
  const vc = payload.vc as
    { type?: unknown; credentialSubject?: { fhirVersion?: unknown; fhirBundle?: Record<string, unknown> } } | undefined;
  if (typeof payload.nbf !== 'number') problems.push('nbf must be a number');
  if (!Array.isArray(vc?.type) || !vc.type.includes('https://smarthealth.cards#health-card')) problems.push('vc.type lacks health-card');
  const bundle = vc?.credentialSubject?.fhirBundle;
  if (typeof vc?.credentialSubject?.fhirVersion !== 'string') problems.push('fhirVersion missing');
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'collection') problems.push('fhirBundle must be a collection Bundle');
  const entries = Array.isArray(bundle?.entry) ? (bundle.entry as { fullUrl?: string; resource?: Record<string, unknown> }[]) : [];
  entries.forEach((entry, i) => {
    if (entry.fullUrl !== `resource:${i}`) problems.push(`entry ${i} fullUrl must be resource:${i}`);
  });
  if (entries[0]?.resource?.resourceType !== 'Patient') problems.push('the first entry must be the Patient');
  for (const entry of entries.slice(1)) {
    const ref = (entry.resource?.patient as { reference?: string } | undefined)?.reference;
    if (ref !== 'resource:0') problems.push('an Immunization must point to resource:0');
  }
  fhirRuleProblems(bundle, 'fhirBundle', problems);
  if (jws.length > 1195) problems.push('the JWS is larger than one QR code');
  return { ok: problems.length === 0, problems, payload };
};
