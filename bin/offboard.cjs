#!/usr/bin/env node
// The `offboard` CLI: the TypeScript sources through tsx in a checkout, the compiled build in an
// image or installed package (which ships dist/ without the sources). Deciding on the sources, not
// on dist/, keeps a stale or half-built dist/ in a checkout from ever being run.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'client', 'cli', 'main.ts');
if (existsSync(source)) {
  require('tsx/cjs/api').register();
  require(source);
} else {
  require(join(__dirname, '..', 'dist', 'client', 'cli', 'main.js'));
}
