// Where the storage suites (sqlite-residue, postgres-disk) import the child-process server from.
export {
  type ChildServer,
  runServerProcess,
  type SpawnOptions,
  spawnServer,
} from '../../../test/kit/index.ts';
