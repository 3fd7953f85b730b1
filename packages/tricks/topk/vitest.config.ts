import { ganProject } from "../../../vitest.shared.js";

export default ganProject("@gan/topk");
