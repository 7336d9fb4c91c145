/**
 * Kafka topic names: one topic per origin province, a dead-letter topic per receiving node.
 * The prefix names the federation (an environment, or one test run) sharing a cluster.
 */
export const DEFAULT_TOPIC_PREFIX = 'vaxledger';
export const eventsTopic = (provinceCode: string, prefix = DEFAULT_TOPIC_PREFIX): string => `${prefix}.events.${provinceCode}`;
export const deadLetterTopic = (provinceCode: string, prefix = DEFAULT_TOPIC_PREFIX): string => `${prefix}.deadletter.${provinceCode}`;
export const provinceOfTopic = (topic: string): string | null => /\.events\.(\d{6})$/.exec(topic)?.[1] ?? null;
