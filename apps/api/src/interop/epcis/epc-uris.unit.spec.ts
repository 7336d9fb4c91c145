import { lotClassUri, parseClassUri, parseSiteUri, parseUnitUri, productClassUri, siteUri, unitUri } from './epc-uris';

describe('EPC URIs of NMPA products (7-digit drug identification code)', () => {
  it('name a unit by its 20-digit trace code, never bare digits', () => {
    expect(unitUri('8696321', '86963210000000000017')).toBe('https://id.vaxledger.example/nmpa/tc/86963210000000000017');
  });

  it('name a lot and a product as classes', () => {
    expect(lotClassUri('8696321', '202611A017')).toBe('https://id.vaxledger.example/nmpa/product/8696321/lot/202611A017');
    expect(productClassUri('8696321')).toBe('https://id.vaxledger.example/nmpa/product/8696321');
  });

  it('read back what they write', () => {
    expect(parseUnitUri(unitUri('8696321', '86963210000000000017'))).toEqual({ ok: true, value: { traceCode: '86963210000000000017' } });
    expect(parseClassUri(lotClassUri('8696321', '202611A017'))).toEqual({ ok: true, value: { batchId: '8696321-202611A017' } });
    expect(parseClassUri(productClassUri('8696321'))).toEqual({ ok: true, value: { productCode: '8696321' } });
    expect(parseSiteUri(siteUri('12440300MB1B2345QN-02'))).toEqual({ ok: true, value: '12440300MB1B2345QN-02' });
  });

  it('never throw on a malformed percent escape', () => {
    expect(parseClassUri('https://id.vaxledger.example/nmpa/product/8696321/lot/%E0%A4%A')).toEqual({
      ok: true,
      value: { batchId: '8696321-%E0%A4%A' },
    });
  });

  it('refuse a trace code that is not 20 digits', () => {
    expect(parseUnitUri('https://id.vaxledger.example/nmpa/tc/8696321')).toEqual({ ok: false, reason: 'INVALID_TRACE_CODE' });
  });
});

describe('EPC URIs of GTIN products', () => {
  it('use GS1 Digital Link for SGTIN and LGTIN', () => {
    expect(unitUri('10614141073464', '2018')).toBe('https://id.gs1.org/01/10614141073464/21/2018');
    expect(lotClassUri('06901234567892', 'B2024031A')).toBe('https://id.gs1.org/01/06901234567892/10/B2024031A');
  });

  it('fall back to our scheme for a 14-digit code whose check digit is wrong', () => {
    expect(unitUri('06901234567893', 'X')).toBe('https://id.vaxledger.example/nmpa/tc/X');
  });

  it('read SGTIN and LGTIN URNs with the company prefix length they carry, computing the check digit', () => {
    // DOMAIN.md: L=7, 10614141073464 + 2018 → urn:epc:id:sgtin:0614141.107346.2018
    expect(parseUnitUri('urn:epc:id:sgtin:0614141.107346.2018')).toEqual({
      ok: true,
      value: { traceCode: '2018', gtin: '10614141073464' },
    });
    expect(parseClassUri('urn:epc:class:lgtin:690123456.0789.B2024031A')).toEqual({
      ok: true,
      value: { batchId: '06901234567892-B2024031A' },
    });
    expect(parseClassUri('urn:epc:idpat:sgtin:690123456.0789.*')).toEqual({ ok: true, value: { productCode: '06901234567892' } });
  });

  it('refuse a wrong check digit or a 12-digit prefix + item reference', () => {
    expect(parseUnitUri('https://id.gs1.org/01/06901234567893/21/X')).toEqual({ ok: false, reason: 'INVALID_GTIN' });
    expect(parseClassUri('https://id.gs1.org/01/06901234567893/10/L1')).toEqual({ ok: false, reason: 'INVALID_GTIN' });
    expect(parseUnitUri('urn:epc:id:sgtin:690123456.789.X')).toEqual({ ok: false, reason: 'INVALID_GTIN' });
  });

  it('say why other identifiers are refused', () => {
    expect(parseUnitUri('urn:epc:idpat:sgtin:0614141.107346.*')).toEqual({ ok: false, reason: 'PATTERN_NOT_SUPPORTED' });
    expect(parseUnitUri('urn:epc:id:sscc:0614141.1234567890')).toEqual({ ok: false, reason: 'UNKNOWN_SCHEME' });
    expect(parseSiteUri('urn:epc:id:sgln:0614141.07346.1234')).toEqual({ ok: false, reason: 'UNKNOWN_SCHEME' });
  });
});
