import type { NewEvent } from '@vaxledger/event-store';
import type { BatchRow, ReadModels, ShipmentRow } from '@vaxledger/projections';

/** The reads the supply use cases decide with (RegisterBatch … LaunchRecall). */
export type SupplyReads = Pick<
  ReadModels,
  | 'product'
  | 'organisation'
  | 'batch'
  | 'batches'
  | 'shipment'
  | 'knownTraceCodes'
  | 'traceCodesOfBatch'
  | 'usedTraceCodes'
  | 'administeredAtSite'
>;

type UnitState = 'in_stock' | 'in_transit' | 'destroyed';
type Data = Readonly<Record<string, unknown>>;
interface Line {
  readonly batchId: string;
  readonly quantity?: number;
  readonly traceCodes?: readonly string[];
}

/**
 * The read models as they will be once the facts a document staged so far are appended: the
 * node's read models, with the few answers a supply decision reads (a batch and its state, its
 * units and where they are, a dispatch) changed by those facts. Only what the supply use cases
 * read is kept; products, organisations and doses cannot change inside a captured document.
 */
export class DocumentOverlay {
  private readonly batchRows = new Map<string, BatchRow>();
  private readonly shipmentRows = new Map<string, ShipmentRow>();
  private readonly units = new Map<string, { batchId: string; state: UnitState }>();

  constructor(private readonly base: SupplyReads) {}

  /** Applies one staged fact. */
  async apply(event: NewEvent): Promise<void> {
    const d = (event.data ?? {}) as Data;
    const lines = (Array.isArray(d.lines) ? d.lines : []) as readonly Line[];
    const moveUnits = (state: UnitState): void => {
      for (const line of lines) for (const code of line.traceCodes ?? []) this.units.set(code, { batchId: line.batchId, state });
    };
    switch (event.type) {
      case 'BatchProduced':
        this.batchRows.set(String(d.batchId), this.producedRow(d));
        for (const code of (d.traceCodes ?? []) as string[]) this.units.set(code, { batchId: String(d.batchId), state: 'in_stock' });
        return;
      case 'BatchReleased':
      case 'BatchReleaseRefused':
        await this.changeBatch(String(d.batchId), (row) => ({
          ...row,
          releaseState: event.type === 'BatchReleased' ? 'released' : 'refused',
          // As the batch-trace projection keeps it: the decision's data (its decidedOn, the release day).
          release: { ...d },
        }));
        return;
      case 'BatchRecalled':
        for (const id of (d.batchIds ?? []) as string[])
          await this.changeBatch(id, (row) => (d.kind === 'suspension' ? { ...row, suspended: true } : { ...row, recalled: true }));
        return;
      case 'ShipmentDispatched':
        this.shipmentRows.set(String(d.shipmentId), this.dispatchedRow(d, lines));
        moveUnits('in_transit');
        return;
      case 'ShipmentReceived': {
        const dispatch = this.shipmentRows.get(String(d.shipmentId)) ?? (await this.base.shipment(String(d.shipmentId)));
        if (dispatch) this.shipmentRows.set(dispatch.shipmentId, { ...dispatch, received: true });
        moveUnits('in_stock');
        return;
      }
      case 'UnitsDestroyed':
        moveUnits('destroyed');
        return;
    }
  }

  private producedRow(d: Data): BatchRow {
    return {
      batchId: String(d.batchId),
      productCode: String(d.productCode),
      lotNumber: String(d.lotNumber),
      mahOrgCode: String(d.mahOrgCode),
      producedOn: String(d.producedOn),
      expiresOn: String(d.expiresOn),
      quantity: Number(d.quantity),
      releaseState: 'pending',
      release: null,
      recalled: false,
      suspended: false,
      recallIds: [],
      destroyed: 0,
      administered: 0,
      originProvince: null,
      position: '0',
    };
  }

  private dispatchedRow(d: Data, lines: readonly Line[]): ShipmentRow {
    return {
      shipmentId: String(d.shipmentId),
      fromSite: String(d.fromSite),
      toSite: String(d.toSite),
      toProvince: typeof d.toProvince === 'string' ? d.toProvince : null,
      billType: typeof d.billType === 'string' ? d.billType : null,
      dispatchedAt: String(d.dispatchedAt),
      deliveryNoteNo: typeof d.deliveryNoteNo === 'string' ? d.deliveryNoteNo : null,
      lines: lines.map((l) => ({
        batchId: l.batchId,
        quantity: l.quantity ?? 0,
        ...(l.traceCodes ? { traceCodes: [...l.traceCodes] } : {}),
      })),
      received: false,
      receipt: null,
      position: '0',
    };
  }

  private async changeBatch(batchId: string, change: (row: BatchRow) => BatchRow): Promise<void> {
    const row = this.batchRows.get(batchId) ?? (await this.base.batch(batchId));
    if (row) this.batchRows.set(batchId, change(row));
  }

  /** The reads, answered from the staged facts first and the read models for the rest. */
  get reads(): SupplyReads {
    const base = this.base;
    return {
      product: (code) => base.product(code),
      organisation: (code) => base.organisation(code),
      administeredAtSite: (site, ids) => base.administeredAtSite(site, ids),
      batch: async (id) => this.batchRows.get(id) ?? (await base.batch(id)),
      batches: async (ids) => {
        const fromBase = await base.batches(ids.filter((id) => !this.batchRows.has(id)));
        return [...ids.flatMap((id) => this.batchRows.get(id) ?? []), ...fromBase];
      },
      shipment: async (id) => this.shipmentRows.get(id) ?? (await base.shipment(id)),
      knownTraceCodes: async (codes) => {
        const known = new Set(await base.knownTraceCodes(codes));
        return codes.filter((c) => known.has(c) || this.units.has(c));
      },
      traceCodesOfBatch: async (id) => {
        const staged = [...this.units].filter(([, u]) => u.batchId === id).map(([code]) => code);
        return [...new Set([...(await base.traceCodesOfBatch(id)), ...staged])].sort();
      },
      usedTraceCodes: async (codes) => {
        const used = new Set(await base.usedTraceCodes(codes.filter((c) => !this.units.has(c))));
        return codes.filter((c) => used.has(c) || (this.units.get(c)?.state ?? 'in_stock') !== 'in_stock');
      },
    };
  }
}
