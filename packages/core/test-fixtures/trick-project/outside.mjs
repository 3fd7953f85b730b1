// gan-trick-escapes's "main" points here, outside its package folder: this must never run.
globalThis.outsideRan = true;
export default {};
