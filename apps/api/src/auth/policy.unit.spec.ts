import type { Actor, Role } from '@vaxledger/domain';
import {
  type BatchScope,
  type AefiScope,
  aefiQueueFilter,
  canDecideRelease,
  canHandleAefi,
  canSeeAefi,
  canErasePersonDetails,
  canReadAuditTrail,
  canReadLog,
  canReadPersonRecord,
  canReadStream,
  canRecall,
  canReceive,
  canRegisterOrganisation,
  canSeeBatch,
  canSeeImpactRow,
  canSeeInventory,
  canSeeRecall,
  canSeeRecipients,
  canSeeTraceCode,
  canVoidDose,
  type SiteScope,
} from './policy';

const as = (role: Role, orgCode: string, provinceCode: string, siteCode?: string): Actor => ({
  role,
  orgCode,
  provinceCode,
  siteCode: siteCode ?? orgCode,
});

// A Jiangsu MAH's batch, shipped to a Sichuan CDC and on to a Sichuan clinic.
const MAKER = '91320000MA1X0Y2W3E';
const CDC = '12510000MB0A1234XJ';
const CLINIC = '12510100MB1B2345QN';
const batch: BatchScope = {
  mahOrgCode: MAKER,
  producerProvince: '320000',
  sites: [MAKER, CDC, CLINIC],
  siteProvinces: ['320000', '510000'],
};
const clinicSite: SiteScope = { site: CLINIC, province: '510000', supervisors: [CDC] };

describe('authorisation policy, for a Jiangsu batch held in Sichuan', () => {
  it.each([
    ['the national regulator', as('regulator', 'R', '000000'), 'allow'],
    ['the Sichuan regulator (held there)', as('regulator', 'R', '510000'), 'allow'],
    ['the Jiangsu regulator (produced there)', as('regulator', 'R', '320000'), 'allow'],
    ['the Guangdong regulator', as('regulator', 'R', '440000'), 'not_found'],
    ['its MAH', as('manufacturer', MAKER, '320000'), 'allow'],
    ['another MAH of the same province', as('manufacturer', '91320000OTHER00000', '320000'), 'not_found'],
    ['the CDC that held it', as('cdc', CDC, '510000'), 'allow'],
    ['another Sichuan CDC', as('cdc', 'C2', '510000'), 'allow'],
    ['a Guangdong CDC', as('cdc', 'C3', '440000'), 'not_found'],
    ['the clinic that held it', as('clinic', CLINIC, '510000'), 'allow'],
    ['a point of that clinic', as('clinic', CLINIC, '510000', `${CLINIC}-2`), 'allow'],
    ['another Sichuan clinic', as('clinic', 'K2', '510000'), 'not_found'],
    ['the hub', as('hub', 'H', '000000'), 'forbidden'],
  ] as const)('trace: %s → %s', (_, actor, expected) => {
    expect(canSeeBatch(actor, batch)).toBe(expected);
  });

  it('shows recall impact to regulators and CDCs of touched provinces only, and rows of their own province', () => {
    expect(canSeeRecipients(as('cdc', 'C2', '510000'), batch)).toBe('allow');
    expect(canSeeRecipients(as('cdc', 'C3', '440000'), batch)).toBe('not_found');
    expect(canSeeRecipients(as('clinic', CLINIC, '510000'), batch)).toBe('forbidden');
    expect(canSeeImpactRow(as('regulator', 'R', '510000'), '510000')).toBe(true);
    expect(canSeeImpactRow(as('regulator', 'R', '510000'), '440000')).toBe(false);
    expect(canSeeImpactRow(as('regulator', 'R', '000000'), '440000')).toBe(true);
  });

  it('lets the national or producing province decide release; a regulator that only sees the batch is forbidden', () => {
    expect(canDecideRelease(as('regulator', 'R', '000000'), batch)).toBe('allow');
    expect(canDecideRelease(as('regulator', 'R', '320000'), batch)).toBe('allow');
    expect(canDecideRelease(as('regulator', 'R', '510000'), batch)).toBe('forbidden');
    expect(canDecideRelease(as('regulator', 'R', '440000'), batch)).toBe('not_found');
  });

  it('lets a MAH recall only its own batches (others look unknown) and leaves unknown ones to the rules', () => {
    expect(canRecall(as('manufacturer', MAKER, '320000'), [batch, null])).toBe('allow');
    expect(canRecall(as('manufacturer', '91350100M000100Y43', '350000'), [batch])).toBe('not_found');
    expect(canRecall(as('regulator', 'R', '440000'), [batch])).toBe('not_found');
    expect(canRecall(as('cdc', CDC, '510000'), [batch])).toBe('forbidden');
  });

  it('shows a recall to its issuer and to whoever sees one of its batches', () => {
    const recall = { issuerOrgCode: MAKER, batches: [batch] };
    expect(canSeeRecall(as('manufacturer', MAKER, '320000'), recall)).toBe('allow');
    expect(canSeeRecall(as('clinic', CLINIC, '510000'), recall)).toBe('allow');
    expect(canSeeRecall(as('clinic', 'K2', '440000'), recall)).toBe('not_found');
    expect(canSeeRecall(as('hub', 'H', '000000'), recall)).toBe('forbidden');
  });

  it('lets only the receiving site book a receipt; an unsynced dispatch is left to the rules', () => {
    expect(canReceive(as('clinic', CLINIC, '510000'), { toSite: CLINIC })).toBe('allow');
    expect(canReceive(as('cdc', CDC, '510000'), { toSite: CLINIC })).toBe('not_found');
    expect(canReceive(as('cdc', CDC, '510000'), null)).toBe('allow');
  });

  it('shows a site’s stock to the site, its supervising CDC and its province’s regulator', () => {
    expect(canSeeInventory(as('clinic', CLINIC, '510000'), clinicSite)).toBe('allow');
    expect(canSeeInventory(as('clinic', 'K2', '510000'), clinicSite)).toBe('not_found');
    expect(canSeeInventory(as('cdc', CDC, '510000'), clinicSite)).toBe('allow');
    expect(canSeeInventory(as('cdc', 'C2', '510000'), clinicSite)).toBe('not_found');
    expect(canSeeInventory(as('regulator', 'R', '510000'), clinicSite)).toBe('allow');
    expect(canSeeInventory(as('regulator', 'R', '440000'), clinicSite)).toBe('not_found');
    expect(canSeeInventory(as('manufacturer', MAKER, '320000'), clinicSite)).toBe('not_found');
    expect(canSeeInventory(as('hub', 'H', '000000'), clinicSite)).toBe('forbidden');
  });

  it('answers a trace code to its holder even before the batch is visible', () => {
    expect(canSeeTraceCode(as('clinic', 'K2', '510000'), { holderSite: 'K2', batch })).toBe('allow');
    expect(canSeeTraceCode(as('clinic', 'K3', '510000'), { holderSite: 'K2', batch })).toBe('not_found');
  });

  it('lets the dose’s clinic or a supervising CDC void a dose', () => {
    expect(canVoidDose(as('clinic', CLINIC, '510000'), clinicSite)).toBe('allow');
    expect(canVoidDose(as('clinic', 'K2', '510000'), clinicSite)).toBe('not_found');
    expect(canVoidDose(as('cdc', CDC, '510000'), clinicSite)).toBe('allow');
    expect(canVoidDose(as('cdc', 'C2', '510000'), clinicSite)).toBe('not_found');
    expect(canVoidDose(as('regulator', 'R', '000000'), clinicSite)).toBe('forbidden');
  });

  it('opens a person’s record to a clinic only after a lookup, to a CDC also in its jurisdiction', () => {
    expect(canReadPersonRecord(as('clinic', CLINIC, '510000'), { hasGrant: true, doseSites: [] })).toBe('allow');
    expect(canReadPersonRecord(as('clinic', CLINIC, '510000'), { hasGrant: false, doseSites: [clinicSite] })).toBe('not_found');
    expect(canReadPersonRecord(as('cdc', CDC, '510000'), { hasGrant: false, doseSites: [clinicSite] })).toBe('allow');
    expect(canReadPersonRecord(as('cdc', 'C3', '440000'), { hasGrant: false, doseSites: [clinicSite] })).toBe('not_found');
    expect(canReadPersonRecord(as('regulator', 'R', '000000'), { hasGrant: true, doseSites: [] })).toBe('forbidden');
    expect(canReadPersonRecord(as('hub', 'H', '000000'), { hasGrant: true, doseSites: [] })).toBe('forbidden');
  });

  it('keeps registration, erasure, raw streams and the log within jurisdiction', () => {
    expect(canRegisterOrganisation(as('cdc', CDC, '510000'), '510100')).toBe('allow');
    expect(canRegisterOrganisation(as('cdc', CDC, '510000'), '440000')).toBe('forbidden');
    expect(canRegisterOrganisation(as('regulator', 'R', '000000'), '440000')).toBe('allow');
    expect(canRegisterOrganisation(as('manufacturer', MAKER, '320000'), '320000')).toBe('forbidden');
    expect(canErasePersonDetails(as('cdc', CDC, '510000'), '510000')).toBe('allow');
    expect(canErasePersonDetails(as('cdc', 'C3', '440000'), '510000')).toBe('not_found');
    expect(canReadStream(as('regulator', 'R', '510000'), 'person-510000-p1abc')).toBe('allow');
    expect(canReadStream(as('regulator', 'R', '440000'), 'person-510000-p1abc')).toBe('not_found');
    expect(canReadStream(as('regulator', 'R', '510000'), `site-${CLINIC}`)).toBe('allow');
    expect(canReadStream(as('regulator', 'R', '510000'), 'batch-8696321-A1')).toBe('not_found');
    expect(canReadStream(as('regulator', 'R', '000000'), 'batch-8696321-A1')).toBe('allow');
    expect(canReadLog(as('hub', 'H', '000000'))).toBe('allow');
    expect(canReadLog(as('regulator', 'R', '000000'))).toBe('allow');
    expect(canReadLog(as('regulator', 'R', '510000'))).toBe('forbidden');
    expect(canReadAuditTrail(as('regulator', 'R', '510000'), '510000')).toBe('allow');
    expect(canReadAuditTrail(as('regulator', 'R', '440000'), '510000')).toBe('forbidden');
    expect(canReadAuditTrail(as('cdc', CDC, '510000'), '510000')).toBe('forbidden');
  });
});

describe('AEFI: a Guangdong clinic’s report about a dose given at the Sichuan clinic', () => {
  const REPORTER = '12440300MB1B2345QN';
  const report: AefiScope = { reporterSite: REPORTER, provinces: ['440000', '510000'], doseSites: [clinicSite] };

  it.each([
    ['the county CDC supervising the site of vaccination', as('cdc', CDC, '510100'), 'allow'],
    ['another Sichuan CDC', as('cdc', 'C2', '510000'), 'allow'],
    ['the reporter’s (Guangdong) CDC', as('cdc', 'C3', '440000'), 'forbidden'],
    ['a Hubei CDC', as('cdc', 'C4', '420000'), 'not_found'],
    ['the Sichuan regulator', as('regulator', 'R', '510000'), 'forbidden'],
    ['the reporting clinic', as('clinic', REPORTER, '440000'), 'forbidden'],
  ] as const)('acknowledge: %s → %s', (_, actor, expected) => {
    expect(canHandleAefi(actor, report, 'acknowledge')).toBe(expected);
  });

  it.each([
    ['the Sichuan regulator', as('regulator', 'R', '510000'), 'allow'],
    ['the national regulator', as('regulator', 'R', '000000'), 'allow'],
    ['the Guangdong regulator (reporter’s province only)', as('regulator', 'R', '440000'), 'forbidden'],
    ['a Hubei regulator', as('regulator', 'R', '420000'), 'not_found'],
  ] as const)('classify: %s → %s', (_, actor, expected) => {
    expect(canHandleAefi(actor, report, 'classify')).toBe(expected);
  });

  it.each([
    ['the reporting clinic', as('clinic', REPORTER, '440000'), 'allow'],
    ['the clinic that gave the dose', as('clinic', CLINIC, '510000'), 'not_found'],
    ['a Guangdong CDC', as('cdc', 'C3', '440000'), 'allow'],
    ['a MAH', as('manufacturer', MAKER, '320000'), 'not_found'],
    ['the hub', as('hub', 'H', '000000'), 'forbidden'],
  ] as const)('read: %s → %s', (_, actor, expected) => {
    expect(canSeeAefi(actor, report)).toBe(expected);
  });

  it('lets a CDC of another province read the report it filed itself, and no other of its CDCs', () => {
    const filedByHubei: AefiScope = { reporterSite: 'C4', provinces: ['510000'], doseSites: [clinicSite] };
    expect(canSeeAefi(as('cdc', 'C4', '420000'), filedByHubei)).toBe('allow');
    expect(canSeeAefi(as('cdc', 'C6', '420000'), filedByHubei)).toBe('not_found');
  });

  it('lists a national caller’s queue unfiltered and a provincial one by its province', () => {
    expect(aefiQueueFilter(as('regulator', 'R', '000000'))).toBeNull();
    expect(aefiQueueFilter(as('cdc', CDC, '510104'))).toEqual(['51']);
  });
});
