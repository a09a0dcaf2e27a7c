#!/usr/bin/env node
// Built by `npm run build` (apps/punchline/dist).
import '../dist/main.js';
