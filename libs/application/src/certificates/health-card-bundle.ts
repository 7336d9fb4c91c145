/**
 * The FHIR Bundle a health card carries, minimised as the SMART Health Cards FHIR profile asks:
 * a collection of one Patient (name, birth date) and one Immunization per valid dose, linked by
 * `resource:N` references; no ids, meta, narrative or code displays, so the card fits a QR code
 * and says no more than a checkpoint needs.
 */
import { localDateOf } from '@vaxledger/domain';

export interface CardCoding {
  readonly system: string;
  readonly code: string;
}

export interface CardDose {
  readonly vaccineType: string;
  readonly productCode: string;
  readonly batchId: string;
  readonly administeredAt: string;
  readonly siteCode: string;
  readonly originProvince: string;
}

export interface CardPerson {
  readonly name: string;
  readonly birthDate: string;
}

/** The lot number is the batch id after its product code (`{productCode}-{lotNumber}`). */
const lotOf = (dose: CardDose): string =>
  dose.batchId.startsWith(`${dose.productCode}-`) ? dose.batchId.slice(dose.productCode.length + 1) : dose.batchId;

/** FHIR `date` for the occurrence, the day in China: the card needs the day, not the clinic's clock. */
const dayOf = (instant: string): string => localDateOf(instant);

export const healthCardBundle = (
  person: CardPerson,
  doses: readonly CardDose[],
  codingsOf: (dose: CardDose) => readonly CardCoding[],
): Record<string, unknown> => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { fullUrl: 'resource:0', resource: { resourceType: 'Patient', name: [{ text: person.name }], birthDate: person.birthDate } },
    ...doses.map((dose, i) => ({
      fullUrl: `resource:${i + 1}`,
      resource: {
        resourceType: 'Immunization',
        status: 'completed',
        vaccineCode: { coding: codingsOf(dose).map((c) => ({ system: c.system, code: c.code })) },
        patient: { reference: 'resource:0' },
        occurrenceDateTime: dayOf(dose.administeredAt),
        performer: [{ actor: { display: `${dose.siteCode} (${dose.originProvince})` } }],
        lotNumber: lotOf(dose),
      },
    })),
  ],
});
