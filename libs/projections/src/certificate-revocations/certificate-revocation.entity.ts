import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One event that revokes a person's certificates issued before it (a voided dose, erased details). */
@Entity('rm_certificate_revocation')
@Index(['position'])
export class CertificateRevocationRow {
  @PrimaryColumn('uuid') eventId!: string;
  @Column('text') personId!: string;
  @Column('text') reason!: 'dose_entered_in_error' | 'person_details_erased';
  @Column('timestamptz') revokedAt!: Date;
  @Column('bigint') position!: string;
}
