import { notBeforeRevocation } from './issue-certificate.handler';
import { revocationOf } from './revocation-list';

describe("a card's issue time against the person's last revocation", () => {
  const rid = 'rid';
  const listed = (revokedAt: Date) => [{ iss: 'x', rids: [`${rid}.${Math.ceil(revokedAt.getTime() / 1000)}`] }] as never;
  const nbfOf = (issuedAt: string): number => Math.floor(Date.parse(issuedAt) / 1000);

  it('keeps the time when nothing or something long ago was revoked', () => {
    expect(notBeforeRevocation('2026-12-07T10:00:00.250Z', null)).toBe('2026-12-07T10:00:00.250Z');
    expect(notBeforeRevocation('2026-12-07T10:00:00.250Z', new Date('2026-12-07T09:59:58.100Z'))).toBe('2026-12-07T10:00:00.250Z');
  });

  it('dates a card made in the same second as the correction to the next second, so the list spares it', () => {
    const revokedAt = new Date('2026-12-07T10:00:00.100Z');
    const now = '2026-12-07T10:00:00.600Z';
    // As issued before: its nbf is the correction's second, which the list (rounded up) revokes.
    expect(revocationOf(rid, nbfOf(now), listed(revokedAt))).not.toBeNull();
    const issuedAt = notBeforeRevocation(now, revokedAt);
    expect(issuedAt).toBe('2026-12-07T10:00:01.000Z');
    expect(revocationOf(rid, nbfOf(issuedAt), listed(revokedAt))).toBeNull();
  });

  it('leaves a time on a whole second of the revocation as it is', () => {
    expect(notBeforeRevocation('2026-12-07T10:00:01.000Z', new Date('2026-12-07T10:00:01.000Z'))).toBe('2026-12-07T10:00:01.000Z');
  });
});
