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

/**
 * Default Kafka consumer group of one of a node's consumers (`sync` imports, `history`
 * requests). The prefix is part of it: two federations (or an old prefix left behind) on one
 * cluster must never share a group, since kafkajs spreads every topic any member of a group
 * subscribed to over all its members, and a member of the other federation would be handed,
 * and sit on, this node's partitions.
 */
export const consumerGroupId = (role: 'sync' | 'history', provinceCode: string, prefix = DEFAULT_TOPIC_PREFIX): string =>
  `${prefix}-${role}-${provinceCode}`;
