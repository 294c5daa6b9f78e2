/**
 * `@cinder/sdk/node`: the part of the SDK that only Node.js has. `@cinder/sdk` itself imports no
 * Node module, so a browser bundle of it never pulls in `node:fs`.
 *
 * ```ts
 * import { CinderClient } from '@cinder/sdk';
 * import { FileStore } from '@cinder/sdk/node';
 * ```
 */
export { FileStore } from './store/file.ts';
