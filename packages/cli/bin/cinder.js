#!/usr/bin/env node
// Cinder runs its TypeScript sources directly: register tsx's loader, then start the CLI.
// The repository's tsconfig is named explicitly so that whatever tsconfig sits in the user's
// working directory has no say in how the CLI is compiled.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
await import('../src/main.ts');
