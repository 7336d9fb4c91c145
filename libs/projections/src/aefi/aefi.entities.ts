import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One AEFI report as this node knows it: reported here or received by sync, with the CDC's
 * acknowledgement and class, which may arrive from another province (even before the report).
 * Report fields are null until the report itself is here.
 */
@Entity('rm_aefi_report')
@Index(['personId'])
@Index(['deadlineAt'])
export class AefiReportRow {
  @PrimaryColumn('text') reportId!: string;
  @Column('boolean', { default: false }) reported!: boolean;
  @Column('text', { nullable: true }) reportProvince!: string | null;
  @Column('text', { nullable: true }) personId!: string | null;
  @Column('text', { nullable: true }) reporterSite!: string | null;
  @Column('text', { nullable: true }) discoveredAt!: string | null;
  @Column('text', { nullable: true }) onsetAt!: string | null;
  @Column('timestamptz', { nullable: true }) deadlineAt!: Date | null;
  @Column('boolean', { default: false }) urgent!: boolean;
  @Column('boolean', { default: false }) serious!: boolean;
  @Column('jsonb', { default: () => "'[]'::jsonb" }) seriousCriteria!: string[];
  @Column('boolean', { default: false }) cluster!: boolean;
  @Column('boolean', { default: false }) majorPublicImpact!: boolean;
  @Column('text', { nullable: true }) outcome!: string | null;
  @Column('jsonb', { default: () => "'[]'::jsonb" }) signs!: string[];
  /** `{ doseEventId, batchId, productCode, siteCode, province, administeredAt }[]` */
  @Column('jsonb', { default: () => "'[]'::jsonb" }) doses!: {
    doseEventId: string;
    batchId: string;
    productCode: string;
    siteCode: string;
    province: string;
    administeredAt: string;
  }[];
  /** Provinces concerned: of vaccination and of the reporter (jurisdiction filters). */
  @Column('jsonb', { default: () => "'[]'::jsonb" }) provinces!: string[];
  @Column('boolean', { default: false }) narrativeInVault!: boolean;
  @Column('timestamptz', { nullable: true }) acknowledgedAt!: Date | null;
  @Column('text', { nullable: true }) acknowledgedBy!: string | null;
  @Column('text', { nullable: true }) aefiClass!: string | null;
  @Column('text', { nullable: true }) classifiedAt!: string | null;
  @Column('bigint', { default: '0' }) position!: string;
}

/** Report × batch: a report that follows doses of two batches counts for each. */
@Entity('rm_aefi_report_batch')
@Index(['productCode'])
export class AefiReportBatchRow {
  @PrimaryColumn('text') batchId!: string;
  @PrimaryColumn('text') reportId!: string;
  @Column('text') productCode!: string;
}

@Entity('rm_aefi_signal')
@Index(['batchId'])
export class AefiSignalRow {
  @PrimaryColumn('uuid') signalId!: string;
  @Column('text') batchId!: string;
  @Column('text') productCode!: string;
  @Column('text') originProvince!: string;
  @Column('text') raisedAt!: string;
  @Column('jsonb') statistics!: Record<string, unknown>;
  @Column('bigint') position!: string;
}
