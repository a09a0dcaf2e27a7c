import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Safety nets only: a first run resolves the Kafka jars from Maven before the broker starts.
    hookTimeout: 600_000,
    testTimeout: 60_000,
  },
});
