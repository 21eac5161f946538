// Turns the `tsrunc spec` starter config into the demo's: no terminal, a command that shows the
// container is isolated.
const fs = require('fs');
const file = process.argv[2];
const c = JSON.parse(fs.readFileSync(file, 'utf8'));
c.process.terminal = false;
c.process.args = ['sh', '-c', 'echo "hello from a busybox container run by tsrunc"; echo "hostname: $(hostname)"; echo "pid: $$"; echo "processes:"; ps; echo "mounts:"; cat /proc/mounts'];
fs.writeFileSync(file, JSON.stringify(c, null, 2) + '\n');
