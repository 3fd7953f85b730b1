import { ganProject } from "../../vitest.shared.js";

// Training conv GANs on wasm, even for a few steps, takes tens of seconds on a 2-core CI machine.
export default ganProject("@gan/examples-smoke", 600_000);
