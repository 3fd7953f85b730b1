#!/usr/bin/env node
// The published entry point: runs the compiled CLI. Inside the workspace, `pnpm gan` runs
// the TypeScript sources instead (see the root package.json).
import "../dist/bin.js";
