import type { Actor, Role } from '@vaxledger/domain';
import { batchListGrants, recallListGrants, shipmentListGrants } from './policy';

// The grants the list endpoints turn into SQL (libs/projections list-scope.ts): the same
// reach as the detail reads, per role and jurisdiction.

const as = (role: Role, orgCode: string, provinceCode: string): Actor => ({ role, orgCode, provinceCode, siteCode: orgCode });
const CLINIC = as('clinic', '12440300MB1B2345QN', '440000');
const CDC = as('cdc', '12510000MB0A1234XJ', '510000');
const NATIONAL_CDC = as('cdc', '12100000MB0A1234XX', '000000');
const REGULATOR = as('regulator', '11440000450712340X', '440000');
const NATIONAL_REGULATOR = as('regulator', '12110000450712347E', '000000');
const MAKER = as('manufacturer', '91320000MA1X0Y2W3E', '320000');
const HUB = as('hub', '12110000450712347E', '000000');
const own = (actor: Actor) => ({ orgCode: actor.orgCode, siteCode: actor.orgCode });

describe('list grants', () => {
  it('shipments: own sites; a CDC its supervised sites; a regulator its province; national callers all; the hub none', () => {
    expect(shipmentListGrants(CLINIC)).toEqual({ ownSites: own(CLINIC) });
    expect(shipmentListGrants(MAKER)).toEqual({ ownSites: own(MAKER) });
    expect(shipmentListGrants(CDC)).toEqual({ ownSites: own(CDC), supervisedBy: CDC.orgCode });
    expect(shipmentListGrants(REGULATOR)).toEqual({ ownSites: own(REGULATOR), province: '440000' });
    expect(shipmentListGrants(NATIONAL_REGULATOR)).toEqual({ all: true });
    expect(shipmentListGrants(NATIONAL_CDC)).toEqual({ all: true });
    expect(shipmentListGrants(HUB)).toBe('forbidden');
  });

  it('batches: held by a clinic, own for the MAH, province (or held) for a CDC, province for a regulator', () => {
    expect(batchListGrants(CLINIC)).toEqual({ ownSites: own(CLINIC) });
    expect(batchListGrants(MAKER)).toEqual({ mahOrgCode: MAKER.orgCode });
    expect(batchListGrants(CDC)).toEqual({ ownSites: own(CDC), province: '510000' });
    expect(batchListGrants(REGULATOR)).toEqual({ province: '440000' });
    expect(batchListGrants(NATIONAL_REGULATOR)).toEqual({ all: true });
    expect(batchListGrants(HUB)).toBe('forbidden');
  });

  it('recalls: the batch grants plus the recalls the caller issued', () => {
    expect(recallListGrants(MAKER)).toEqual({ mahOrgCode: MAKER.orgCode, issuerOrgCode: MAKER.orgCode });
    expect(recallListGrants(REGULATOR)).toEqual({ province: '440000', issuerOrgCode: REGULATOR.orgCode });
    expect(recallListGrants(HUB)).toBe('forbidden');
  });
});
