import { defineConfig } from 'vitest/config';

// Tests run against TypeScript sources: every workspace package exports a
// `kiln-source` condition that points at src/, so no build is needed first.
export default defineConfig({
  resolve: { conditions: ['kiln-source'] },
  ssr: { resolve: { conditions: ['kiln-source'] } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'plugins/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
