import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['./support/global-setup.ts'],
    // Generous safety nets: a first run resolves the Kafka jars from Maven Central.
    hookTimeout: 180_000,
    testTimeout: 120_000,
    fileParallelism: false,
  },
});
