import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run the workspace packages' TypeScript source: `@cinder/source` comes first in each
// package's exports, and without it (a consumer, `npm start`) imports resolve to the built dist/.
const SOURCE = '@cinder/source';

export default defineConfig({
  resolve: { conditions: [SOURCE, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE, ...defaultServerConditions] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'test/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    // Generous: tests wait for conditions, and on a machine with a load average of 20 a test that
    // takes 5 s when idle can take a minute. A passing test returns as soon as its conditions hold.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
