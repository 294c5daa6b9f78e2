/**
 * `@cinder/sdk/node`: the part of the SDK that only Node.js has. `@cinder/sdk` itself imports no
 * Node module, so a browser bundle of it never pulls in `node:fs`.
 *
 * ```ts
 * import { CinderClient } from '@cinder/sdk';
 * import { FileStore, fileFrom } from '@cinder/sdk/node';
 * await client.sendFile('bob', await fileFrom('photo.jpg'), { burn: true });
 * ```
 */
export { fileFrom, typeOfPath } from './node-file.ts';
export { FileStore } from './store/file.ts';
