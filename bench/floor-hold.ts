// The floor of the memory row of bench/parallel.sh (issue 12): bench/floor.ts's one line, then the
// process stays alive, idle, for argv[2] milliseconds (default 1000) so that the Pss of several at
// once can be sampled. Whatever a tsrunc command holds, it holds at least this.
console.log('floor');
setTimeout(() => {}, Number(process.argv[2] ?? 1000));
