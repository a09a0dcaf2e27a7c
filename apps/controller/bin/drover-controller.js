#!/usr/bin/env node
// Built by `npm run build` (apps/controller/dist).
import '../dist/main.js';
