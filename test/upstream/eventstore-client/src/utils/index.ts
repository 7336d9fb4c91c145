// THE SHIM's entry (ours): upstream's utils/index.ts with `Cluster` replaced by DoubleNode.
// The helpers re-exported from ./vendored are upstream's files, unchanged.
import { DoubleNode } from './double-node';

export const createTestNode = (): DoubleNode => new DoubleNode();
export const createInsecureTestNode = (): DoubleNode => new DoubleNode(true);

export { DoubleNode };
export * from './vendored/collect';
export * from './vendored/Defer';
export * from './vendored/delay';
export * from './vendored/testEvents';
export * from './vendored/matchServerVersion';
export * from './vendored/optionalDescribe';
