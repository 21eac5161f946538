// What each command loads at start-up (issue 12). In the Bun executable every Node builtin a command's
// static imports reach is compiled from source at each start: node:child_process costs ~86 page
// faults (~1.7 ms on the bench machine), node:fs ~140, node:path ~60. The static import graph from
// src/main.ts and the command's module (src/cli/commands/<name>.ts; table.ts imports it only when
// the command runs) decides what is loaded; require() and import() inside a function load later,
// only when that code runs.
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.resolve(__dirname, '..', '..', '..', 'src');

/** Builtins reached by static imports (not `import type`) from the given source files; `seen`
 * collects the project's files reached. */
function staticBuiltins(entries: string[], seen = new Set<string>()): Set<string> {
  const builtins = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^import\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1];
      if (!spec.startsWith('.')) { builtins.add(spec.replace(/^node:/, '')); continue; }
      const base = path.resolve(path.dirname(file), spec);
      const found = [`${base}.ts`, `${base}.js`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (found) visit(found);
    }
  };
  for (const e of entries) visit(e);
  return builtins;
}

const commandGraph = (name: string) => staticBuiltins([path.join(SRC, 'main.ts'), path.join(SRC, 'cli', 'commands', `${name}.ts`)]);

describe('builtins loaded at start-up', () => {
  test('the walker sees static imports and nothing else (it would catch a static child_process import)', () => {
    expect(commandGraph('ps').has('child_process')).toBe(true); // ps runs ps(1): a static import
    expect(commandGraph('spec').has('fs')).toBe(true); // spec writes config.json with node:fs
  });

  // The commands containerd and kubelet run around every container read and write through the
  // addon (src/fileio.ts): node:fs and node:path are ~120 page faults (2.4 ms) of a `state` here.
  // delete, pause and kill --all load a manager when they run (cgroups/lazy.ts): from the record,
  // without index.ts's layout detection and path resolution.
  test('the managers rebuilt from a record load neither node:fs nor node:path, nor the planners', () => {
    const files = new Set<string>();
    const graph = staticBuiltins([path.join(SRC, 'cgroups', 'fromRecord.ts')], files);
    expect(graph.has('fs')).toBe(false);
    expect(graph.has('path')).toBe(false);
    const names = [...files].map((f) => path.relative(SRC, f));
    expect(names).toContain('cgroups/v1.ts');
    // apply() and stats() load these when they run: destroy, kill --all and pause need none.
    for (const m of ['v1Resources', 'v2Resources', 'devicefilter', 'devices', 'stats', 'writes']) expect(names).not.toContain(`cgroups/${m}.ts`);
  });
  // The systemd driver (loaded by create, delete and the rest on a systemd host, where Kubernetes
  // nodes run containerd with it) reads through the addon too, and talks D-Bus without a process.
  test('the systemd driver loads neither node:fs, node:path, node:os nor node:child_process', () => {
    const graph = staticBuiltins([path.join(SRC, 'cgroups', 'systemd.ts'), path.join(SRC, 'cgroups', 'gvariant.ts')]);
    for (const m of ['fs', 'path', 'os', 'child_process']) expect(graph.has(m)).toBe(false);
  });
  // node:os (errno and signal names) is ~45 faults: errors.ts and signals.ts load it on first lookup.
  test('--version loads no Node builtin', () => {
    expect([...staticBuiltins([path.join(SRC, 'main.ts')])]).toEqual([]);
  });
  // create, run and exec too: node:fs and node:path are ~4.5 ms of each (src/posixpath.ts).
  for (const name of ['state', 'kill', 'list', 'start', 'delete', 'pause', 'resume', 'create', 'run', 'exec']) {
    test(`${name} loads neither node:fs nor node:path nor node:os`, () => {
      const graph = commandGraph(name);
      expect(graph.has('fs')).toBe(false);
      expect(graph.has('path')).toBe(false);
      expect(graph.has('os')).toBe(false);
    });
  }

  // Runtime hooks are rare; create, start, run and exec must not pay for node:child_process.
  for (const name of ['create', 'start', 'run', 'exec', 'delete', 'state', 'kill', 'list']) {
    test(`${name} does not load node:child_process until a hook runs`, () => {
      expect(commandGraph(name).has('child_process')).toBe(false);
    });
  }
});

// The engine builds Map, Set, RegExp and the JavaScript-written Array builtins on their first use in
// a process: ~70 page faults (~1.4 ms here) when argv parsing used them, paid by every command.
test('argv parsing uses no Map, Set, RegExp, spread or JavaScript-written Array builtin', () => {
  const src = fs.readFileSync(path.join(SRC, 'cli', 'parse.ts'), 'utf8').replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, '');
  expect(src).not.toMatch(/new (Map|Set|RegExp)\b/);
  expect(src).not.toMatch(/\.(replace|match|split)\(\//); // a regex literal argument
  expect(src).not.toMatch(/\.(map|flatMap|filter|every|some|find|forEach)\(/);
  expect(src).not.toMatch(/\.\.\.[\w([]/);
});
