import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);

/** China time (UTC+8, no daylight saving) whatever the browser's zone. */
export const chinaTime = (iso: string | null | undefined): string =>
  iso ? (iso.length === 10 ? iso : dayjs(iso).utcOffset(480).format('YYYY-MM-DD HH:mm')) : '';

/** An instant for the API, in China time. */
export const chinaInstant = (d: dayjs.Dayjs = dayjs()): string => d.utcOffset(480).format('YYYY-MM-DDTHH:mm:ssZ');

/** Today's date in China (YYYY-MM-DD). */
export const chinaToday = (): string => dayjs().utcOffset(480).format('YYYY-MM-DD');

/** The province of a GB/T 2260 code or of a USCC's registration region (characters 3-8). */
export const provinceOfOrg = (orgCode: string): string => `${orgCode.slice(2, 4)}0000`;

export const idempotencyKey = (): string => crypto.randomUUID();
