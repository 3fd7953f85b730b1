// Types of scripts/workspace.mjs, for the TypeScript tests next to it.
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  keywords?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

export interface WorkspacePackage {
  name: string;
  version: string;
  /** Absolute path of the package folder. */
  dir: string;
  /** Path of the package folder from the repository root. */
  relativeDir: string;
  manifest: PackageManifest;
}

export const ROOT: string;
export const PNPM_VERSION: string;
export function pnpmCommand(): string[];
export function workspacePackages(options?: { includePrivate?: boolean }): WorkspacePackage[];
export function run(command: string, args: string[], options?: import("node:child_process").ExecFileSyncOptions): string;
export function packPackages(pkgs: WorkspacePackage[], destination: string): string[];
export function tarballBase(pkg: { name: string }): string;
