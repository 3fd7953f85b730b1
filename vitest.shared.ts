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
    },
  });
}
