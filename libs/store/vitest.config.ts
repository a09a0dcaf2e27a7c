import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Safety nets only (a first run may install etcd from Debian); tests assert behaviour, not time.
    hookTimeout: 300_000,
    testTimeout: 60_000,
    // The compaction test compacts the shared etcd; keep files from racing each other.
    fileParallelism: false,
  },
});
