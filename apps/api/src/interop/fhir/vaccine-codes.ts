/**
 * Codes a FHIR client can read for our vaccine types and routes. Our own systems name NMPA
 * products and vaccine types; CVX (CDC) and ATC (WHO) codes are given only where one code
 * fits the whole vaccine type (unspecified-formulation CVX codes where products differ).
 */

/** Base of the URIs we mint for code systems and identifier systems. */
export const FHIR_BASE_URI = 'https://fhir.vaxledger.example';
export const NMPA_PRODUCT_SYSTEM = `${FHIR_BASE_URI}/CodeSystem/nmpa-product`;
export const VACCINE_TYPE_SYSTEM = `${FHIR_BASE_URI}/CodeSystem/vaccine-type`;
export const PSEUDONYM_SYSTEM = `${FHIR_BASE_URI}/sid/person-pseudonym`;
/** Unified social credit codes (GB 32100) of organisations, and their points of vaccination. */
export const USCC_SYSTEM = `${FHIR_BASE_URI}/sid/uscc`;
export const SITE_SYSTEM = `${FHIR_BASE_URI}/sid/site`;
export const DOSE_EVENT_SYSTEM = 'urn:ietf:rfc:3986';
export const CVX_SYSTEM = 'http://hl7.org/fhir/sid/cvx';
export const ATC_SYSTEM = 'http://www.whocc.no/atc';
export const ROUTE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration';
export const ACT_SITE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActSite';

export interface Coding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

interface ExternalCodes {
  readonly cvx?: Coding;
  readonly atc?: Coding;
}

const cvx = (code: string, display: string): Coding => ({ system: CVX_SYSTEM, code, display });
const atc = (code: string, display: string): Coding => ({ system: ATC_SYSTEM, code, display });

// One entry per vaccine type of the schedule value set that has an unambiguous mapping.
const EXTERNAL: Readonly<Record<string, ExternalCodes>> = {
  HepB: { cvx: cvx('45', 'hep B, unspecified formulation'), atc: atc('J07BC01', 'hepatitis B, purified antigen') },
  BCG: { cvx: cvx('19', 'BCG'), atc: atc('J07AN01', 'tuberculosis, live attenuated') },
  IPV: { cvx: cvx('10', 'IPV'), atc: atc('J07BF03', 'poliomyelitis, trivalent, inactivated, whole virus') },
  bOPV: { cvx: cvx('178', 'OPV bivalent'), atc: atc('J07BF04', 'poliomyelitis oral, bivalent, live attenuated') },
  DTaP: { cvx: cvx('107', 'DTaP, unspecified formulation') },
  MMR: { cvx: cvx('03', 'MMR'), atc: atc('J07BD52', 'measles, combinations with mumps and rubella, live attenuated') },
  'HepA-L': { cvx: cvx('85', 'hep A, unspecified formulation') },
  Varicella: { cvx: cvx('21', 'varicella'), atc: atc('J07BK01', 'varicella, live attenuated') },
  Rabies: { cvx: cvx('90', 'rabies, unspecified formulation'), atc: atc('J07BG01', 'rabies, inactivated, whole virus') },
  Influenza: { cvx: cvx('88', 'influenza, unspecified formulation') },
  HPV: { cvx: cvx('137', 'HPV, unspecified formulation') },
  'JE-L': { cvx: cvx('129', 'Japanese Encephalitis vaccine, unspecified formulation') },
};

/** vaccineCode codings: our product code first (the exact product), then CVX and ATC where they fit. */
export const vaccineCodings = (product: { productCode: string; name: string | null }, vaccineType: string): Coding[] => {
  const codings: Coding[] = [
    { system: NMPA_PRODUCT_SYSTEM, code: product.productCode, ...(product.name ? { display: product.name } : {}) },
    { system: VACCINE_TYPE_SYSTEM, code: vaccineType },
  ];
  const external = EXTERNAL[vaccineType];
  if (external?.cvx) codings.push(external.cvx);
  if (external?.atc) codings.push(external.atc);
  return codings;
};

/**
 * Our route codes are the Chinese registry's short forms; FHIR's example value set uses HL7 v3
 * RouteOfAdministration, where subcutaneous is `SQ` (not `SC`) and intradermal is `IDINJ`.
 */
const ROUTES: Readonly<Record<string, Coding>> = {
  IM: { system: ROUTE_SYSTEM, code: 'IM', display: 'Injection, intramuscular' },
  SC: { system: ROUTE_SYSTEM, code: 'SQ', display: 'Injection, subcutaneous' },
  ID: { system: ROUTE_SYSTEM, code: 'IDINJ', display: 'Injection, intradermal' },
  PO: { system: ROUTE_SYSTEM, code: 'PO', display: 'Swallow, oral' },
  IN: { system: ROUTE_SYSTEM, code: 'NASINHLC', display: 'Inhalation, nasal' },
};

export const routeCoding = (route: string): Coding | undefined => ROUTES[route];

// Body sites entered as HL7 v3 ActSite codes or their words ("left deltoid", "left_deltoid").
const ACT_SITES: readonly Coding[] = [
  { system: ACT_SITE_SYSTEM, code: 'LA', display: 'left arm' },
  { system: ACT_SITE_SYSTEM, code: 'RA', display: 'right arm' },
  { system: ACT_SITE_SYSTEM, code: 'LD', display: 'left deltoid' },
  { system: ACT_SITE_SYSTEM, code: 'RD', display: 'right deltoid' },
  { system: ACT_SITE_SYSTEM, code: 'LT', display: 'left thigh' },
  { system: ACT_SITE_SYSTEM, code: 'RT', display: 'right thigh' },
  { system: ACT_SITE_SYSTEM, code: 'LVL', display: 'left vastus lateralis' },
  { system: ACT_SITE_SYSTEM, code: 'RVL', display: 'right vastus lateralis' },
  { system: ACT_SITE_SYSTEM, code: 'LUA', display: 'left upper arm' },
  { system: ACT_SITE_SYSTEM, code: 'RUA', display: 'right upper arm' },
];

/** A coded site where the text is one we know; the text alone otherwise. */
export const bodySiteConcept = (bodySite: string): { coding?: Coding[]; text: string } => {
  const key = bodySite.trim().toLowerCase().replace(/[_-]+/g, ' ');
  const hit = ACT_SITES.find((s) => s.code.toLowerCase() === key || s.display === key);
  return hit ? { coding: [hit], text: bodySite } : { text: bodySite };
};
