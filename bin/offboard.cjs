#!/usr/bin/env node
// The `offboard` CLI: the compiled build when present, else the TypeScript sources through tsx.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'client', 'cli', 'main.js');
if (existsSync(compiled)) {
  require(compiled);
} else {
  require('tsx/cjs/api').register();
  require(join(__dirname, '..', 'client', 'cli', 'main.ts'));
}
