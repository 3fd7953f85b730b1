// Loaded with `node --import` into each process bench/startup.ts times: at exit, the process's
// own CPU time (user + system, ms) goes to file descriptor 3, a pipe the benchmark reads. CPU
// time is the steadier figure on a shared machine, where wall time also counts waiting for a core.
import { writeSync } from "node:fs";

process.on("exit", () => {
  const { user, system } = process.cpuUsage();
  writeSync(3, `${(user + system) / 1000}\n`);
});
