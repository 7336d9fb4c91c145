#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
// Readiness probe for deploy/local/kafka: an open port only proves the socket is bound, so we
// ask the broker a real protocol question through the same client the product uses (kafkajs
// negotiates API versions first, then fetches metadata). Exit 0 when it answers, 1 otherwise.
//
//   node deploy/local/kafka-ready.cjs 127.0.0.1:19092
//
// Run from the repository root so `kafkajs` resolves from its node_modules.
const { Kafka, logLevel } = require('kafkajs');

const brokers = (process.argv[2] || process.env.KAFKA_BROKERS || '127.0.0.1:19092').split(',');
const budgetMs = Number(process.env.KAFKA_READY_TIMEOUT_MS || 10000);

async function main() {
  const kafka = new Kafka({
    clientId: 'vaxledger-kafka-ready',
    brokers,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    const topics = await admin.listTopics();
    console.log(`ready: controller=${cluster.controller} brokers=${cluster.brokers.length} topics=${topics.length}`);
  } finally {
    await admin.disconnect();
  }
}

const timer = setTimeout(() => {
  console.error(`not ready: no answer within ${budgetMs} ms`);
  process.exit(1);
}, budgetMs);

main().then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  (error) => {
    clearTimeout(timer);
    console.error(`not ready: ${error && error.message ? error.message : String(error)}`);
    process.exit(1);
  },
);
