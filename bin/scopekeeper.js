#!/usr/bin/env node
'use strict';
// `npx scopekeeper ...` from a clone after `npm ci`: runs the TypeScript CLI through tsx,
// the same way `npm start` runs the service, so there is no build step.
require('tsx/cjs');
const { runCli } = require('../linear-adapter/commands/cli.ts');

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`scopekeeper failed: ${(error && error.stack) || String(error)}\n`);
    process.exit(1);
  },
);
