/**
 * The value sets of an AEFI case card as the console offers them. Seriousness criteria,
 * outcomes and classes are the ledger's own, imported from libs/domain (pure TypeScript,
 * bundled by Vite like the ID rules): no copy to drift. Signs and symptoms are coded too, but
 * the ledger names no list of codes (only their form): these are the console's, after China's
 * AEFI surveillance case card; any other code a report carries is shown as it is.
 */
export { AEFI_CLASSES, AEFI_OUTCOMES, SERIOUS_CRITERIA } from '@vaxledger/domain/aefi';

export const AEFI_SIGNS = [
  'fever_37_5',
  'fever_38_5',
  'fever_39',
  'injection_site_swelling',
  'injection_site_induration',
  'injection_site_abscess',
  'rash',
  'urticaria',
  'anaphylaxis',
  'seizure_febrile',
  'seizure_afebrile',
  'syncope',
  'vomiting',
  'diarrhoea',
  'persistent_crying',
  'lymphadenitis',
  'thrombocytopenic_purpura',
  'other',
] as const;

/** Hours and minutes between two instants, for "time left" and "overdue by". */
export const hoursAndMinutes = (ms: number): { hours: number; minutes: number } => {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  return { hours: Math.floor(minutes / 60), minutes: minutes % 60 };
};
