import { scheduleFor } from '@vaxledger/domain';
import {
  bodySiteConcept,
  DOSE_EVENT_SYSTEM,
  PSEUDONYM_SYSTEM,
  routeCoding,
  SITE_SYSTEM,
  USCC_SYSTEM,
  vaccineCodings,
} from './vaccine-codes';

/**
 * Pure builders of FHIR R4 resources from the ledger's read models and events. No I/O: the
 * controller loads the facts, these shape them. Every resource they build is checked by the
 * HL7 validator in the tests (deploy/fhir-validator).
 */

export type FhirResource = Readonly<Record<string, unknown>> & { readonly resourceType: string };

/** What the Immunization needs of one dose: the read model's row plus the event's own fields. */
export interface DoseFacts {
  readonly eventId: string;
  readonly personId: string;
  readonly siteCode: string;
  readonly administeredAt: string;
  readonly batchId: string;
  readonly productCode: string;
  readonly vaccineType: string;
  readonly doseNumber: number;
  readonly status: 'valid' | 'voided';
  readonly originProvince: string;
  /** From the DoseAdministered event; absent when that event is not on this node. */
  readonly route?: string;
  readonly bodySite?: string;
}

export interface BatchFacts {
  readonly lotNumber: string;
  readonly expiresOn: string;
  readonly mahOrgCode: string;
}

export interface OrganisationFacts {
  readonly orgCode: string;
  readonly name: string;
}

/** An organisation by identifier: a USCC for an organisation, our site system for a point of vaccination. */
const organisationReference = (code: string, organisation: OrganisationFacts | null): Record<string, unknown> => ({
  identifier: /^[0-9A-Z]{18}$/.test(code) ? { system: USCC_SYSTEM, value: code } : { system: SITE_SYSTEM, value: code },
  ...(organisation ? { display: organisation.name } : {}),
});

export const immunizationOf = (
  dose: DoseFacts,
  context: { product: { name: string } | null; batch: BatchFacts | null; site: OrganisationFacts | null; maker: OrganisationFacts | null },
): FhirResource => {
  const route = dose.route ? routeCoding(dose.route) : undefined;
  const schedule = scheduleFor(dose.vaccineType);
  return {
    resourceType: 'Immunization',
    id: dose.eventId,
    identifier: [{ system: DOSE_EVENT_SYSTEM, value: `urn:uuid:${dose.eventId}` }],
    // A dose voided by DoseEnteredInError stays visible, marked, as FHIR asks of registries.
    status: dose.status === 'voided' ? 'entered-in-error' : 'completed',
    vaccineCode: {
      coding: vaccineCodings({ productCode: dose.productCode, name: context.product?.name ?? null }, dose.vaccineType),
      text: context.product?.name ?? dose.vaccineType,
    },
    patient: { reference: `Patient/${dose.personId}` },
    occurrenceDateTime: dose.administeredAt,
    primarySource: true,
    ...(context.batch ? { manufacturer: organisationReference(context.batch.mahOrgCode, context.maker) } : {}),
    lotNumber: context.batch?.lotNumber ?? dose.batchId.slice(dose.productCode.length + 1),
    ...(context.batch ? { expirationDate: context.batch.expiresOn } : {}),
    ...(dose.bodySite ? { site: bodySiteConcept(dose.bodySite) } : {}),
    ...(route ? { route: { coding: [route] } } : {}),
    performer: [
      {
        function: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0443', code: 'AP', display: 'Administering Provider' }],
        },
        actor: organisationReference(dose.siteCode, context.site),
      },
    ],
    protocolApplied: [
      {
        series: schedule?.name ?? dose.vaccineType,
        doseNumberPositiveInt: dose.doseNumber,
        ...(schedule ? { seriesDosesPositiveInt: schedule.doses } : {}),
      },
    ],
  };
};

export interface PatientDetails {
  readonly name: string;
  readonly birthDate: string;
  readonly sex: 'M' | 'F' | 'U';
}

const GENDER: Readonly<Record<PatientDetails['sex'], string>> = { M: 'male', F: 'female', U: 'unknown' };

/**
 * The person as FHIR sees them: the pseudonym is the only identifier. Name, gender and birth
 * date appear only when the caller may read the vault and asked for them (`details`).
 */
export const patientOf = (personId: string, details: PatientDetails | null): FhirResource => ({
  resourceType: 'Patient',
  id: personId,
  ...(details
    ? {}
    : {
        meta: {
          security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'PSEUDED', display: 'pseudonymized' }],
        },
      }),
  identifier: [{ use: 'official', system: PSEUDONYM_SYSTEM, value: personId }],
  ...(details ? { name: [{ text: details.name }], gender: GENDER[details.sex], birthDate: details.birthDate } : {}),
});

/** A searchset Bundle; `base` is the absolute URL of the FHIR endpoint (…/fhir). */
export const searchsetOf = (base: string, selfUrl: string, resources: readonly FhirResource[]): FhirResource => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  link: [{ relation: 'self', url: selfUrl }],
  entry: resources.map((resource) => ({
    fullUrl: `${base}/${resource.resourceType}/${String(resource.id)}`,
    resource,
    search: { mode: 'match' },
  })),
});

/** What this node serves, for `GET /fhir/metadata`. */
export const capabilityStatementOf = (base: string, date: string, version: string): FhirResource => ({
  resourceType: 'CapabilityStatement',
  status: 'active',
  date,
  publisher: 'Vaxledger',
  kind: 'instance',
  implementation: { description: 'Vaxledger node: immunization records (read-only, pseudonymous)', url: base },
  software: { name: 'Vaxledger', version },
  fhirVersion: '4.0.1',
  format: ['json'],
  rest: [
    {
      mode: 'server',
      security: {
        cors: false,
        description:
          'Bearer JWT, API key, or X-Dev-Actor on a development node. Clinics and CDCs read the persons they serve; every read is audited.',
      },
      resource: [
        {
          type: 'Patient',
          interaction: [{ code: 'read' }],
        },
        {
          type: 'Immunization',
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: [{ name: 'patient', type: 'reference', documentation: 'The person’s pseudonym: Patient/{personId}' }],
        },
      ],
    },
  ],
});
