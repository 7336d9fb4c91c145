import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One read of personal data (an access event of the audit trail), for regulators to list. */
@Entity('rm_access')
@Index(['personId', 'position'])
@Index(['batchId', 'position'])
@Index(['accessedAt'])
export class AccessRow {
  @PrimaryColumn('uuid') eventId!: string;
  @Column('bigint') position!: string;
  @Column('text') streamId!: string;
  @Column('text') type!: string;
  @Column('text', { nullable: true }) personId!: string | null;
  @Column('text', { nullable: true }) batchId!: string | null;
  @Column('text') purpose!: string;
  @Column('timestamptz') accessedAt!: Date;
  @Column('text') orgCode!: string;
  @Column('text') role!: string;
  @Column('text') provinceCode!: string;
  @Column('text', { nullable: true }) staffRef!: string | null;
  /** Extra facts of the access (export format, number of recipients disclosed). */
  @Column('jsonb', { default: () => "'{}'::jsonb" }) detail!: Record<string, unknown>;
}
