/**
 * Kafka topic names. The prefix names the federation (an environment, or one test run)
 * sharing a cluster.
 * - `events.<origin>`: what a province publishes (its own streams only);
 * - `forward.<receiver>`: what the national hub forwards to one province (hub and direct modes);
 * - `control.<receiver>`: history requests and answers addressed to one node;
 * - `deadletter.<receiver>`: what a node set aside.
 */
export const DEFAULT_TOPIC_PREFIX = 'vaxledger';
/** Province code of the national hub (DOMAIN.md §1). */
export const HUB_PROVINCE = '000000';
export const eventsTopic = (provinceCode: string, prefix = DEFAULT_TOPIC_PREFIX): string => `${prefix}.events.${provinceCode}`;
export const forwardTopic = (provinceCode: string, prefix = DEFAULT_TOPIC_PREFIX): string => `${prefix}.forward.${provinceCode}`;
export const controlTopic = (provinceCode: string, prefix = DEFAULT_TOPIC_PREFIX): string => `${prefix}.control.${provinceCode}`;
export const deadLetterTopic = (provinceCode: string, prefix = DEFAULT_TOPIC_PREFIX): string => `${prefix}.deadletter.${provinceCode}`;
/** The origin whose topic this is, for `events.` topics only (a forward topic carries many origins). */
export const provinceOfTopic = (topic: string): string | null => /\.events\.(\d{6})$/.exec(topic)?.[1] ?? null;
export const isForwardTopic = (topic: string): boolean => /\.forward\.\d{6}$/.test(topic);
