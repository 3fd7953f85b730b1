/**
 * Entry point of a worker's children (`gan train`, `gan eval`): the same `gan`, ended at once
 * when the worker that started it is gone. A worker killed with kill -9 cannot stop its
 * children, and a child that trained on would write into the run directory that another
 * worker is resuming from the last checkpoint. The worker holds the write end of this
 * process's stdin and never writes to it: the kernel closes it when the worker dies, for any
 * reason, and the end of input is the signal to go.
 */
const goNow = () => process.kill(process.pid, "SIGKILL");
process.stdin.on("end", goNow);
process.stdin.on("error", goNow);
process.stdin.resume();

const { main } = await import("../main.js");
const code = await main(process.argv.slice(2));
process.stdin.off("end", goNow);
process.stdin.off("error", goNow);
// Reading stdin keeps the event loop alive; let the process end as `gan` does.
process.stdin.destroy();
process.exitCode = code;
