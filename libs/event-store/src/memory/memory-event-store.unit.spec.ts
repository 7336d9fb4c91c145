import { eventStoreContract } from '../contract/event-store.contract';
import { MemoryEventStore } from './memory-event-store';

eventStoreContract('memory', { open: () => Promise.resolve(new MemoryEventStore()) });
