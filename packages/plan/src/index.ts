export * from "./schema.js";
export type * from "./compile-host.js";
