import { defineConfig } from "vitest/config";

// One vitest config for the whole workspace: each package is a project, and every
// project resolves workspace packages to their TypeScript sources through the
// "@gan/source" export condition, so tests never need a build first.
export default defineConfig({
  test: {
    projects: ["packages/*", "packages/tricks/*", "examples/*"],
  },
});
