import { fileURLToPath } from "node:url";
import { ganProject } from "../../vitest.shared.js";

// This project's tests are the release checks in scripts/: the changesets behaviour the README
// documents, and the registry test that installs this very project from a local registry. They
// run here so that `pnpm test` (turbo, one task per workspace package) runs them in CI.
const project = ganProject("gan-example-consumer", 20 * 60_000);
export default {
  ...project,
  test: {
    ...project.test,
    dir: fileURLToPath(new URL("../../scripts", import.meta.url)),
    include: ["**/*.test.ts"],
    // One file at a time: the registry test rebuilds the packages' dist/ folders, and `pnpm gan`
    // (gan-launcher.test.ts) must not find one half-written and take it for a current build.
    fileParallelism: false,
  },
};
