import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One supply-chain fact of the log (and each dose, without its person), with the CBV business
 * step it is, for standards queries (EPCIS): filter by step, time, place and identifiers
 * without replaying the log. The log stays the record; this is its index.
 */
@Entity('rm_supply_event')
@Index(['position'])
@Index(['eventTime'])
@Index(['bizStep', 'position'])
@Index(['epcisEventId'])
export class SupplyEventRow {
  @PrimaryColumn('uuid') eventId!: string;
  /** The eventID a partner gave the event it captured through EPCIS (metadata `epcisEventId`), if any. */
  @Column('text', { nullable: true }) epcisEventId!: string | null;
  @Column('bigint') position!: string;
  @Column('text') type!: string;
  @Column('text') action!: string;
  @Column('text') bizStep!: string;
  @Column('text', { nullable: true }) disposition!: string | null;
  @Column('timestamptz') eventTime!: Date;
  /** The time as the fact states it (with its offset, or a date), for the event's time zone. */
  @Column('text') eventTimeText!: string;
  @Column('timestamptz') recordedAt!: Date;
  /** Where it happened: the acting site (bizLocation). */
  @Column('text', { nullable: true }) site!: string | null;
  @Column('text', { nullable: true }) originProvince!: string | null;
  /** The fact's payload, minus anything about a person (doses keep batch, unit, site and time). */
  @Column('jsonb') data!: Record<string, unknown>;
  /** Set when a later fact declared this one an error (a voided dose). */
  @Column('timestamptz', { nullable: true }) voidedAt!: Date | null;
  @Column('text', { nullable: true }) voidReason!: string | null;
}

/**
 * The identifiers a supply event names, one row each: `tc` trace codes, `batch` batch ids,
 * `product` product codes, `party` every site or organisation taking part.
 */
@Entity('rm_supply_key')
@Index(['eventId'])
export class SupplyKeyRow {
  @PrimaryColumn('text') kind!: 'tc' | 'batch' | 'product' | 'party';
  @PrimaryColumn('text') key!: string;
  @PrimaryColumn('uuid') eventId!: string;
}
