#!/usr/bin/env node
// Built by `npm run build` (apps/channelctl/dist).
import '../dist/main.js';
