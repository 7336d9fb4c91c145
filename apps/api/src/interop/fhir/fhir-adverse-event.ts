import type { AefiReportRow } from '@vaxledger/projections';
import type { FhirResource } from './fhir-resources';
import { DOSE_EVENT_SYSTEM, FHIR_BASE_URI } from './vaccine-codes';

/** Our value sets for AEFI signs and China's AEFI classes (no standard code fits either one to one). */
export const AEFI_SIGN_SYSTEM = `${FHIR_BASE_URI}/CodeSystem/aefi-sign`;
export const AEFI_CLASS_SYSTEM = `${FHIR_BASE_URI}/CodeSystem/aefi-class`;

const OUTCOME: Readonly<Record<string, string>> = {
  recovering: 'recovering',
  recovered: 'resolved',
  sequelae: 'resolvedWithSequelae',
  died: 'fatal',
  unknown: 'unknown',
};

/**
 * An AEFI report as an R4 AdverseEvent: pseudonymous subject, the doses as suspect
 * Immunizations, the class as the causality assessment. The narrative is not in it (it stays
 * in the reporter's vault).
 */
export const adverseEventOf = (report: AefiReportRow): FhirResource => ({
  resourceType: 'AdverseEvent',
  id: report.reportId,
  identifier: { system: DOSE_EVENT_SYSTEM, value: `urn:uuid:${report.reportId}` },
  actuality: 'actual',
  event: {
    coding: report.signs.map((code) => ({ system: AEFI_SIGN_SYSTEM, code })),
    text: report.signs.join(', '),
  },
  subject: { reference: `Patient/${String(report.personId)}` },
  ...(report.onsetAt ? { date: report.onsetAt } : {}),
  ...(report.discoveredAt ? { detected: report.discoveredAt } : {}),
  seriousness: {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/adverse-event-seriousness',
        code: report.serious ? 'Serious' : 'Non-serious',
      },
    ],
  },
  ...(report.outcome && OUTCOME[report.outcome]
    ? { outcome: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adverse-event-outcome', code: OUTCOME[report.outcome] }] } }
    : {}),
  suspectEntity: report.doses.map((dose) => ({
    instance: { reference: `Immunization/${dose.doseEventId}` },
    ...(report.aefiClass ? { causality: [{ assessment: { coding: [{ system: AEFI_CLASS_SYSTEM, code: report.aefiClass }] } }] } : {}),
  })),
});
