import os from "node:os";
import path from "node:path";
import { defaultServerConditions } from "vite";
import { defineProject } from "vitest/config";

// Workspace packages export "@gan/source" -> src/index.ts; resolving that condition first
// makes every test run against the TypeScript sources of its dependencies, without a build.
const conditions = ["@gan/source", ...defaultServerConditions];

export function ganProject(name: string, testTimeoutMs = 30_000) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@gan/source"] } },
    test: {
      name,
      testTimeout: testTimeoutMs,
      hookTimeout: testTimeoutMs,
      // Fixture packages live under node_modules folders of test fixtures; they import
      // @gan/* sources, so vite must transform them instead of handing them to Node.
      server: { deps: { inline: [/test-fixtures/] } },
      // Images folders decoded by tests (and by the gan processes they start) are cached in
      // the temporary folder, not in the user's ~/.cache/gan.
      env: { GAN_CACHE_DIR: path.join(os.tmpdir(), "gan-test-cache") },
    },
  });
}
