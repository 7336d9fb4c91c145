import { actorOfClaims } from './jwt-verifier';

// Claims to caller: what a verified token may and may not say.
describe('a verified token’s claims', () => {
  const clinic = { org: '12440300MB1B2345QN', role: 'clinic', province: '440000' };

  it('make a caller acting as its organisation, or as one of its points', () => {
    expect(actorOfClaims(clinic)).toEqual({ orgCode: clinic.org, role: 'clinic', provinceCode: '440000', siteCode: clinic.org });
    expect(actorOfClaims({ ...clinic, site: `${clinic.org}-B2` })).toMatchObject({ siteCode: `${clinic.org}-B2` });
  });

  it('make a national caller from national: true, whatever the province says', () => {
    expect(actorOfClaims({ org: '12110000450712347E', role: 'regulator', province: '110000', national: true })).toMatchObject({
      provinceCode: '000000',
    });
  });

  it.each([
    ['a lower-case or hyphenated organisation code', { ...clinic, org: '12440300mb1b2345qn' }],
    ['a hyphenated organisation code', { ...clinic, org: '12440300-MB1B2345QN' }],
    ['a bad check character', { ...clinic, org: '12440300MB1B2345QM' }],
    ['an unknown role', { ...clinic, role: 'root' }],
    ['a province that is not six digits', { ...clinic, province: '44' }],
    ['national as a string', { org: clinic.org, role: 'clinic', national: 'true' }],
    ['a site of another organisation', { ...clinic, site: '12510000MB0A1234XJ' }],
    ['a site that is not a string', { ...clinic, site: 7 }],
  ])('make no caller with %s', (_, claims) => {
    expect(actorOfClaims(claims)).toBeNull();
  });
});
