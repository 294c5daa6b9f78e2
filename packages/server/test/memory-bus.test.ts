import { MemoryBus } from '../src/bus/memory-bus.ts';
import { runBusContract } from './bus-contract.ts';

runBusContract('memory', {
  create: async () => {
    const bus = new MemoryBus();
    return { a: bus, b: bus, cleanup: () => bus.close() };
  },
});
