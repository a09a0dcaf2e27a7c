#!/usr/bin/env -S node --max-semi-space-size=1 --optimize-for-size
// A 1 MB young generation (V8 default 16 MB) and a heap that grows reluctantly keep these
// I/O-bound daemons small: about 15 MB idle, 60 MB at 10,000 instances. systemd passes the same.
// Built by `npm run build` (apps/controller/dist).
import '../dist/main.js';
