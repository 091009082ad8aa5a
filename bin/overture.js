#!/usr/bin/env node
// The `overture` bin: registers tsx (for require() and import() of TypeScript) so that Node — 22,
// from the project's `node` devDependency — runs the CLI in bin/overture.ts directly.
require('tsx/cjs');
require('tsx/esm/api').register();
require('./overture.ts');
