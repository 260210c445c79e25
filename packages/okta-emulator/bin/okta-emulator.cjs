#!/usr/bin/env node
// The `okta-emulator` command: runs the TypeScript sources through tsx (the package ships its sources).
'use strict';
require('tsx/cjs/api').register();
require(require('node:path').join(__dirname, '..', 'src', 'main.ts'));
