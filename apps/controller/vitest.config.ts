import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // etcd for test/ (the audit log's keys); src/ tests use fakes only.
    globalSetup: ['test/global-setup.ts'],
    // Safety net only (a first run may install etcd from Debian); tests assert behaviour, not time.
    hookTimeout: 300_000,
  },
});
