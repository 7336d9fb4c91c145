/** Kafka topic names. One topic per origin province; a dead-letter topic per receiving node. */
export const eventsTopic = (provinceCode: string): string => `vaxledger.events.${provinceCode}`;
export const deadLetterTopic = (provinceCode: string): string => `vaxledger.deadletter.${provinceCode}`;
export const provinceOfTopic = (topic: string): string | null => /^vaxledger\.events\.(\d{6})$/.exec(topic)?.[1] ?? null;
