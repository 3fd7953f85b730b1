export { main, registerCommand } from "./main.js";
export type { Command } from "./command.js";
export { captureOutput } from "./io.js";
