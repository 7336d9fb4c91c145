import fc from 'fast-check';
import { base32Lower, PERSON_ID_PATTERN, personPseudonym } from './pseudonym';

describe('person pseudonym', () => {
  it('matches the test vector of DOMAIN.md', () => {
    expect(personPseudonym('vaxledger-test-pepper-do-not-use', 'v1|RIC|CHN|51010420230115123X')).toBe('p1tz62ri4byn76xi7ekedhqwttwe');
  });

  it('is 28 characters of the p1 alphabet for any input', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (number, secret) => {
        expect(personPseudonym(secret, `v1|RIC|CHN|${number}`)).toMatch(PERSON_ID_PATTERN);
      }),
    );
  });

  it('depends on the secret', () => {
    const input = 'v1|RIC|CHN|510104199003071237';
    expect(personPseudonym('a', input)).not.toBe(personPseudonym('b', input));
  });

  it('refuses input that is not a versioned identifier string', () => {
    expect(() => personPseudonym('s', '510104199003071237')).toThrow(/v1/);
  });

  it('encodes base32 as RFC 4648 does', () => {
    expect(base32Lower(Buffer.from('foobar'))).toBe('mzxw6ytboi');
    expect(base32Lower(Buffer.from(''))).toBe('');
  });
});
