import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { AccessRow } from './access-log/access.entity';
import { CertificateRevocationRow } from './certificate-revocations/certificate-revocation.entity';
import { SupplyEventRow, SupplyKeyRow } from './supply-events/supply-event.entity';

import { AefiReportBatchRow, AefiReportRow, AefiSignalRow } from './aefi/aefi.entities';

export { AccessRow, CertificateRevocationRow, AefiReportBatchRow, AefiReportRow, AefiSignalRow, SupplyEventRow, SupplyKeyRow };

// Read-model tables. One question each; every table is rebuilt from the log by its
// projection, and the checkpoint table says which log position each projection reflects.
// bigint columns come back from pg as strings: callers convert where they need numbers.

@Entity('rm_checkpoint')
export class CheckpointRow {
  @PrimaryColumn('text') projection!: string;
  @Column('bigint', { default: '0' }) position!: string;
  @Column('int', { default: 1 }) version!: number;
  @Column('timestamptz', { default: () => 'now()' }) updatedAt!: Date;
}

@Entity('rm_organisation')
export class OrganisationRow {
  @PrimaryColumn('text') orgCode!: string;
  @Column('text') name!: string;
  @Column('text') kind!: string;
  @Column('text') provinceCode!: string;
  @Column('text', { nullable: true }) parentOrgCode!: string | null;
  @Column('bigint') position!: string;
}

@Entity('rm_product')
export class ProductRow {
  @PrimaryColumn('text') productCode!: string;
  @Column('text') name!: string;
  @Column('text') vaccineType!: string;
  @Column('text') mahOrgCode!: string;
  @Column('int') dosesPerUnit!: number;
  @Column('real') storageMin!: number;
  @Column('real') storageMax!: number;
  @Column('int') shelfLifeMonths!: number;
  @Column('text') programme!: string;
  @Column('boolean') serialised!: boolean;
  @Column('jsonb') levels!: { level: number; code: string; childrenPerParent: number }[];
  @Column('text') approvalNo!: string;
  @Column('bigint') position!: string;
}

/** Lookup of every packaging-level code to its product, so codes stay unique across products. */
@Entity('rm_product_code')
export class ProductCodeRow {
  @PrimaryColumn('text') code!: string;
  @Column('text') productCode!: string;
}

@Entity('rm_batch')
export class BatchRow {
  @PrimaryColumn('text') batchId!: string;
  @Column('text') productCode!: string;
  @Column('text') lotNumber!: string;
  @Column('text') mahOrgCode!: string;
  @Column('date') producedOn!: string;
  @Column('date') expiresOn!: string;
  @Column('int') quantity!: number;
  @Column('text', { default: 'pending' }) releaseState!: 'pending' | 'released' | 'refused';
  @Column('jsonb', { nullable: true }) release!: Record<string, unknown> | null;
  @Column('boolean', { default: false }) recalled!: boolean;
  @Column('boolean', { default: false }) suspended!: boolean;
  @Column('jsonb', { default: () => "'[]'" }) recallIds!: string[];
  @Column('int', { default: 0 }) destroyed!: number;
  @Column('int', { default: 0 }) administered!: number;
  @Column('text', { nullable: true }) originProvince!: string | null;
  @Column('bigint') position!: string;
}

@Entity('rm_custody')
@Index(['batchId', 'position'])
export class CustodyRow {
  @PrimaryColumn('uuid') eventId!: string;
  @PrimaryColumn('text') batchId!: string;
  @Column('text') type!: string;
  @Column('text') at!: string;
  @Column('text', { nullable: true }) fromSite!: string | null;
  @Column('text', { nullable: true }) toSite!: string | null;
  @Column('int') quantity!: number;
  @Column('bigint') position!: string;
}

@Entity('rm_batch_site_doses')
export class BatchSiteDosesRow {
  @PrimaryColumn('text') batchId!: string;
  @PrimaryColumn('text') siteCode!: string;
  @Column('int', { default: 0 }) count!: number;
}

@Entity('rm_recall')
export class RecallRow {
  @PrimaryColumn('text') recallId!: string;
  @Column('jsonb') batchIds!: string[];
  @Column('text') kind!: string;
  @Column('int') level!: number;
  @Column('jsonb') details!: Record<string, unknown>;
  @Column('boolean', { default: false }) lifted!: boolean;
  @Column('jsonb', { nullable: true }) lift!: Record<string, unknown> | null;
  @Column('bigint') position!: string;
}

@Entity('rm_stock')
@Index(['batchId'])
export class StockRow {
  @PrimaryColumn('text') site!: string;
  @PrimaryColumn('text') batchId!: string;
  @Column('int', { default: 0 }) available!: number;
  @Column('int', { default: 0 }) quarantined!: number;
  @Column('int', { default: 0 }) administered!: number;
  @Column('int', { default: 0 }) destroyed!: number;
}

@Entity('rm_shipment')
@Index(['toSite'])
export class ShipmentRow {
  @PrimaryColumn('text') shipmentId!: string;
  @Column('text') fromSite!: string;
  @Column('text') toSite!: string;
  @Column('text', { nullable: true }) toProvince!: string | null;
  @Column('text', { nullable: true }) billType!: string | null;
  @Column('text') dispatchedAt!: string;
  @Column('text', { nullable: true }) deliveryNoteNo!: string | null;
  @Column('jsonb') lines!: { batchId: string; quantity: number; traceCodes?: string[] }[];
  @Column('boolean', { default: false }) received!: boolean;
  @Column('jsonb', { nullable: true }) receipt!: Record<string, unknown> | null;
  @Column('bigint') position!: string;
}

/** A receipt that arrived before its dispatch (not synced yet): matched when the dispatch comes. */
@Entity('rm_unmatched_receipt')
export class UnmatchedReceiptRow {
  @PrimaryColumn('text') shipmentId!: string;
  @Column('text') site!: string;
  @Column('jsonb') lines!: { batchId: string; accepted: number }[];
}

@Entity('rm_trace_code')
@Index(['batchId'])
@Index(['shipmentId'])
export class TraceCodeRow {
  @PrimaryColumn('text') code!: string;
  @Column('text') batchId!: string;
  @Column('int', { default: 1 }) level!: number;
  @Column('text', { nullable: true }) holderSite!: string | null;
  /** `rejected`: shipped to `holderSite`, which refused it on receipt (not in its stock). */
  @Column('text') state!: 'in_stock' | 'in_transit' | 'rejected' | 'administered' | 'destroyed';
  @Column('int', { default: 0 }) dosesDrawn!: number;
  @Column('int', { default: 1 }) dosesPerUnit!: number;
  /** The shipment that last dispatched the unit, so its receipt can tell the refused units apart. */
  @Column('text', { nullable: true }) shipmentId!: string | null;
}

@Entity('rm_dose')
@Index(['personId'])
@Index(['batchId'])
export class DoseRow {
  @PrimaryColumn('uuid') eventId!: string;
  @Column('text') personId!: string;
  @Column('text') originProvince!: string;
  @Column('text') siteCode!: string;
  @Column('text') administeredAt!: string;
  @Column('text') batchId!: string;
  @Column('text') productCode!: string;
  @Column('text') vaccineType!: string;
  @Column('int') doseNumber!: number;
  @Column('text', { default: 'valid' }) status!: 'valid' | 'voided';
  @Column('text', { nullable: true }) traceCode!: string | null;
  @Column('bigint') position!: string;
}

@Entity('rm_person')
export class PersonRow {
  @PrimaryColumn('text') personId!: string;
  @Column('text', { nullable: true }) keyId!: string | null;
  @Column('boolean', { default: false }) erased!: boolean;
  @Column('text', { nullable: true }) residenceRegion!: string | null;
}

@Entity('rm_recipient')
@Index(['batchId'])
// Created in ReadModels.open with INCLUDE columns; declared here so synchronize leaves it alone.
@Index('rm_recipient_batch_covering', { synchronize: false })
export class RecipientRow {
  @PrimaryColumn('uuid') eventId!: string;
  @Column('text') batchId!: string;
  @Column('text') personId!: string;
  @Column('text') siteCode!: string;
  @Column('text') administeredAt!: string;
  @Column('text') originProvince!: string;
  @Column('boolean', { default: false }) voided!: boolean;
}

export const READ_MODEL_ENTITIES = [
  CheckpointRow,
  OrganisationRow,
  ProductRow,
  ProductCodeRow,
  BatchRow,
  CustodyRow,
  BatchSiteDosesRow,
  RecallRow,
  StockRow,
  ShipmentRow,
  UnmatchedReceiptRow,
  TraceCodeRow,
  DoseRow,
  PersonRow,
  RecipientRow,
  AccessRow,
  CertificateRevocationRow,
  SupplyEventRow,
  SupplyKeyRow,
  AefiReportRow,
  AefiReportBatchRow,
  AefiSignalRow,
];
