/**
 * Imported first by main.tsx, before anything that defines a schema. zod 4 checks once whether
 * it may compile parsers with `new Function('')`; under the app's CSP (`script-src 'self'`, no
 * 'unsafe-eval') that probe is a CSP violation on every load, even though zod catches the throw.
 * `jitless` skips the probe and the compiled fast path. The check runs when the first object
 * schema is created (the @cinder/protocol schemas, at module evaluation), so this module must be
 * evaluated before @cinder/protocol: ES modules evaluate in import order, and the bundle has one
 * zod, shared with the SDK and the protocol.
 */
import { config } from 'zod';

config({ jitless: true });
