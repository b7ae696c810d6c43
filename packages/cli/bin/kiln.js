#!/usr/bin/env node
// Committed as plain JS (not built) so npm links the bin on a fresh clone
// before the root `prepare` script has built dist/.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
