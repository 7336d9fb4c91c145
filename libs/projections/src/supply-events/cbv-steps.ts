/**
 * Which CBV 2.0 business step each supply-chain fact is (DOMAIN.md §3's EPCIS column). Facts
 * about persons other than the dose itself, AEFI and the audit trail have none: they are never
 * supply-chain events.
 */
export interface CbvStep {
  readonly action: 'ADD' | 'OBSERVE' | 'DELETE';
  readonly bizStep: string;
  readonly disposition: string | null;
}

type Data = Readonly<Record<string, unknown>>;

const STEPS: Readonly<Record<string, (data: Data) => CbvStep>> = {
  BatchProduced: () => ({ action: 'ADD', bizStep: 'commissioning', disposition: 'active' }),
  BatchReleased: () => ({ action: 'OBSERVE', bizStep: 'inspecting', disposition: 'conformant' }),
  BatchReleaseRefused: () => ({ action: 'OBSERVE', bizStep: 'inspecting', disposition: 'non_conformant' }),
  ShipmentDispatched: () => ({ action: 'OBSERVE', bizStep: 'shipping', disposition: 'in_transit' }),
  ShipmentReceived: (data) => ({
    action: 'OBSERVE',
    bizStep: 'receiving',
    disposition:
      (data.verification as { result?: string } | undefined)?.result === 'rejected' ? 'non_conformant' : 'sellable_not_accessible',
  }),
  UnitsDestroyed: () => ({ action: 'DELETE', bizStep: 'destroying', disposition: 'destroyed' }),
  BatchRecalled: (data) => ({
    action: 'OBSERVE',
    bizStep: 'holding',
    disposition: data.kind === 'suspension' ? 'non_sellable_other' : 'recalled',
  }),
  RecallLifted: () => ({ action: 'OBSERVE', bizStep: 'holding', disposition: null }),
  DoseAdministered: () => ({ action: 'OBSERVE', bizStep: 'dispensing', disposition: 'dispensed' }),
};

export const SUPPLY_EVENT_TYPES: readonly string[] = Object.keys(STEPS);

/** The step of a fact, or null for facts that are not supply-chain events. */
export const cbvStepOf = (type: string, data: Data): CbvStep | null => STEPS[type]?.(data) ?? null;
