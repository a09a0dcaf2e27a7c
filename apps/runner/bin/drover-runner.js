#!/usr/bin/env node
// Built by `npm run build` (apps/runner/dist).
import '../dist/main.js';
