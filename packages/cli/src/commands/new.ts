/**
 * `gan new trick NAME`: writes a trick package that builds, tests and publishes as it stands,
 * so that a trick author starts from something that works and changes it, rather than from a
 * blank page and the docs. The package is self-contained (its own tsconfig, vitest config and
 * changesets setup): it does not assume it lives in the gan repository.
 *
 * The example trick it contains is a real one, small enough to read at a glance: ProGAN's
 * drift penalty, with a test that checks it against a number worked out by hand.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CORE_VERSION, UsageError, UserError } from "@gan/core";
import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { output } from "../io.js";
import { nearest } from "../suggest.js";

const KINDS = ["trick"] as const;

/**
 * The tool versions the generated package is set up with: the ones the gan repository itself
 * builds and tests with, so the scaffold is known to work with them.
 */
const DEV_TOOLS = {
  "@changesets/cli": "^2.29.8",
  "@types/node": "^20.19.0",
  typescript: "~5.9.3",
  vitest: "^4.1.12",
};

/** npm's rules for a package name that can be published (lowercase, URL-safe, at most 214 characters). */
function packageNameProblem(name: string): string | undefined {
  if (name.length > 214) return "is longer than 214 characters";
  if (name !== name.toLowerCase()) return `has capital letters (npm names are lowercase: '${name.toLowerCase()}')`;
  if (!/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name)) {
    return "is not a valid npm package name (letters, digits, '-', '.', '_' and an optional @scope/)";
  }
  return undefined;
}

/** `@acme/gan-foo` -> `gan-foo`; the folder name and the prefix of the trick's logged scalars derive from it. */
function unscoped(name: string): string {
  return name.replace(/^@[^/]+\//, "");
}

/** The prefix of logged scalars: the name without scope and without a `gan-trick-` or `gan-` prefix. */
function logPrefix(name: string): string {
  return unscoped(name).replace(/^gan-trick-/, "").replace(/^gan-/, "");
}

export interface TrickPackageOptions {
  name: string;
  description: string;
  /** The @gan/core version the peer range starts at (the running one). */
  coreVersion: string;
}

/** The files of a new trick package, path -> content. */
export function trickPackageFiles({ name, description, coreVersion }: TrickPackageOptions): Record<string, string> {
  const coreRange = `^${coreVersion}`;
  const prefix = logPrefix(name);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const manifest = {
    name,
    // 0.0.0 until the first `changeset version`, which the initial changeset makes 0.1.0.
    version: "0.0.0",
    description,
    type: "module",
    license: "MIT",
    keywords: ["gan-trick", "gan"],
    engines: { node: ">=20.19" },
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
    files: ["dist", "src", "!src/**/*.test.ts"],
    scripts: {
      build: "tsc -p tsconfig.build.json",
      typecheck: "tsc --noEmit",
      test: "vitest run",
      changeset: "changeset",
      "version-packages": "changeset version",
      release: "npm run build && npm test && changeset publish",
    },
    // A peer, not a dependency: the trick must run on the user's @gan/core, the one that loads it.
    peerDependencies: { "@gan/core": coreRange },
    devDependencies: { "@gan/core": coreRange, ...DEV_TOOLS },
    ...(name.startsWith("@") ? { publishConfig: { access: "public" } } : {}),
  };
  const compilerOptions = {
    target: "ES2022",
    lib: ["ES2022"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    types: ["node"],
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    declaration: true,
    declarationMap: true,
    sourceMap: true,
    outDir: "dist",
    rootDir: "src",
    noEmit: true,
  };
  return {
    "package.json": json(manifest),
    "tsconfig.json": json({ compilerOptions, include: ["src"] }),
    "tsconfig.build.json": json({ extends: "./tsconfig.json", compilerOptions: { noEmit: false }, exclude: ["src/**/*.test.ts"] }),
    "vitest.config.ts": `import { defineConfig } from "vitest/config";

// Loading TensorFlow.js takes a few seconds on a cold start: more than vitest's default 5 s.
export default defineConfig({ test: { testTimeout: 30_000 } });
`,
    ".gitignore": "node_modules/\ndist/\n",
    ".changeset/config.json": json({
      $schema: "https://unpkg.com/@changesets/config@3.1.1/schema.json",
      changelog: "@changesets/cli/changelog",
      commit: false,
      fixed: [],
      linked: [],
      access: "public",
      baseBranch: "main",
      updateInternalDependencies: "patch",
      ignore: [],
    }),
    [`.changeset/${prefix}-initial.md`]: `---\n"${name}": minor\n---\n\n${description}\n`,
    "src/index.ts": `/**
 * ${name}: ${description}
 *
 * Written by \`gan new trick\` as a starting point: the drift penalty of ProGAN (Karras et al.
 * 2018, "Progressive Growing of GANs", appendix A.1), epsilon * mean(D(x_real)^2) added to the
 * discriminator's loss, which keeps its scores from drifting away from zero (useful with the
 * Wasserstein loss). Replace it with your trick; the hooks a trick can use are described by
 * the TrickHooks type of @gan/core and in its README.
 */
import { defineTrick, z, type Scalar } from "@gan/core";

const options = z.object({
  epsilon: z.number().min(0).default(0.001).describe("weight of the drift penalty"),
});

export default defineTrick({
  // Must be the package name: gan loads the trick by it and checks that they match.
  name: ${JSON.stringify(name)},
  description: ${JSON.stringify(description)},
  options,
  setup({ options, at, tf, log }) {
    return {
      discriminatorLoss(loss, context) {
        // \`at\` reads an option that may be a schedule at the current step.
        const epsilon = at(options.epsilon);
        if (epsilon === 0) return loss;
        const drift: Scalar = tf.mean(tf.square(context.realLogits));
        log(${JSON.stringify(`${prefix}/drift`)}, drift);
        return tf.add(loss, tf.mul(epsilon, drift));
      },
    };
  },
});
`,
    "src/index.test.ts": `import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { DiscriminatorLossContext } from "@gan/core";
import { createTrickHarness, tinyPlan } from "@gan/core/testing";
import trick from "./index.js";

describe(${JSON.stringify(name)}, () => {
  test("adds epsilon * mean(D(real)^2) to the discriminator's loss and logs the drift", async () => {
    // The harness sets the trick up as a training run would, with its options validated.
    const harness = await createTrickHarness(trick, { plan: tinyPlan(), options: { epsilon: 0.5 } });
    const { tf } = harness;
    const context = { realLogits: tf.tensor2d([[1], [-2], [3]]) } as DiscriminatorLossContext;
    const loss = harness.hooks.discriminatorLoss!(tf.scalar(1), context, 0);
    // The squares are 1, 4 and 9: their mean is 14/3, and half of it is 7/3.
    expect(loss.dataSync()[0]).toBeCloseTo(1 + 7 / 3, 5);
    expect(harness.logs.map((entry) => entry.name)).toEqual([${JSON.stringify(`${prefix}/drift`)}]);
    expect(harness.logs[0]!.value).toBeCloseTo(14 / 3, 5);
  });

  test("a negative epsilon is refused with the option named", async () => {
    await expect(createTrickHarness(trick, { plan: tinyPlan(), options: { epsilon: -1 } })).rejects.toThrow(/invalid options: epsilon/);
  });

  test("the trick is named after its package, which gan needs to load it", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { name: string; keywords: string[] };
    expect(trick.name).toBe(manifest.name);
    expect(manifest.keywords).toContain("gan-trick");
  });
});
`,
    "README.md": `# ${name}

${description}

A trick for [gan](https://github.com/gan-dev/gan): install it next to \`@gan/cli\` and name it
in a spec. It supports \`@gan/core\` ${coreRange} (its peer dependency).

The @gan packages (\`@gan/cli\`, \`@gan/core\`, ...) are not on the npm registry yet: a clone of
gan writes them as tarballs with \`pnpm gan:pack\` (see "Using gan in your own project" in gan's
README), and \`npm install /path/to/gan/packed/*.tgz\` installs them in a project.

\`\`\`sh
npm install ${name}
\`\`\`

\`\`\`gan
use "${name}" { epsilon: 0.001 }
\`\`\`

\`gan tricks\` lists it, with its options, once it is installed.

## Options

| option | default | meaning |
|---|---|---|
| \`epsilon\` | \`0.001\` | weight of the drift penalty, >= 0 (a number or a schedule) |

## Hooks

- \`discriminatorLoss\` (waterfall): adds \`epsilon * mean(D(x_real)^2)\`.
- Logs \`${prefix}/drift\`.

## Develop

\`\`\`sh
# while @gan/core is not on the npm registry: from the tarballs of \`pnpm gan:pack\` in a clone of gan
npm install --save-dev /path/to/gan/packed/gan-core-*.tgz /path/to/gan/packed/gan-plan-*.tgz /path/to/gan/packed/gan-backend-wasm-*.tgz
npm install
npm test            # vitest: the hooks against numbers worked out by hand
npm run build       # tsc: dist/ with declarations
\`\`\`

## Release

Versions are managed with [changesets](https://github.com/changesets/changesets):

\`\`\`sh
npx changeset             # describe a change: patch, minor or major
npm run version-packages  # apply the changesets: new version, CHANGELOG.md
npm run release           # build, test, publish to npm
\`\`\`

Keep the \`@gan/core\` peer range honest: widen it when you have tested a new \`@gan/core\`,
and bump it (a major release of this trick) when you start using an API that older ones lack.
`,
  };
}

function writeTrickPackage(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

export const command: Command = {
  name: "new",
  usage: "gan new trick NAME [--dir DIR] [--description TEXT]",
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      "new",
      argv,
      { dir: { type: "string" }, description: { type: "string" } },
      { min: 1, max: 2 },
    );
    const [kind, name] = positionals as [string, string | undefined];
    if (!(KINDS as readonly string[]).includes(kind)) {
      const suggestion = nearest(kind, KINDS);
      throw new UsageError(`gan new: unknown kind '${kind}'${suggestion ? `, did you mean '${suggestion}'?` : ""} (gan new can make: ${KINDS.join(", ")})`);
    }
    if (name === undefined) throw new UsageError("gan new trick: missing argument: the package name, e.g. gan-trick-drift or @acme/gan-drift");
    const problem = packageNameProblem(name);
    if (problem) throw new UserError(`gan new trick: '${name}' ${problem}`);

    const dir = path.resolve(values.dir ?? unscoped(name));
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new UserError(`gan new trick: ${path.relative(process.cwd(), dir) || "."} already exists and is not empty: choose another --dir`);
    }
    const description = values.description ?? "A gan trick: the drift penalty on the discriminator's scores (ProGAN).";
    const files = trickPackageFiles({ name, description, coreVersion: CORE_VERSION });
    writeTrickPackage(dir, files);

    const shown = path.relative(process.cwd(), dir) || ".";
    output.out(
      `created ${name} in ${shown}/ for @gan/core ^${CORE_VERSION}:\n` +
        Object.keys(files)
          .sort()
          .map((file) => `  ${file}\n`)
          .join("") +
        `next: cd ${shown} && npm install && npm test\n` +
        // Until the @gan packages are published, `npm install` finds no @gan/core on the registry.
        `(@gan/core is not on the npm registry yet: install it first from the tarballs of \`pnpm gan:pack\`, as ${shown}/README.md says)\n`,
    );
    return 0;
  },
};
