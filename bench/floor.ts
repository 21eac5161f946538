// The floor of every tsrunc measurement (issue 12): a Bun executable built with the same flags as
// tsrunc that prints one line. Nothing tsrunc does can start faster than this on the same machine.
console.log('floor');
