// The spec conformance runner: every requirement of runtime.md, runtime-linux.md, config.md and
// config-linux.md (conformance/sections/*.ts), each checked with real containers, one at a time,
// each with its own --root, ids and bundles, and everything removed afterwards.
//
//   node_modules/.bin/bun conformance/run.ts [--runtime PATH] [--filter TEXT]...
//
// Prints one line per requirement, `PASS|FAIL|SKIP  <id>  <level>  <text>  <note>`, grouped by spec
// file, and last `N passed, M failed, K skipped`; writes conformance/report.md. Exits 1 when a MUST
// requirement failed. SKIP is only for what this machine cannot show (no AppArmor, no RDT, ...).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ctx, Fail, REPO, ROOTFS, Requirement, Skip, mountAt, parseMountinfo, settings, short } from './lib';
import config from './sections/config';
import configLinux from './sections/config-linux';
import runtime from './sections/runtime';
import runtimeLinux from './sections/runtime-linux';

const SECTIONS: [string, Requirement[]][] = [
  ['runtime.md', runtime],
  ['runtime-linux.md', runtimeLinux],
  ['config.md', config],
  ['config-linux.md', configLinux],
];
const CHECK_TIMEOUT_MS = 90_000;

interface Outcome { req: Requirement; status: 'PASS' | 'FAIL' | 'SKIP'; note: string; ms: number }

function usage(code: number): never {
  console.log('usage: bun conformance/run.ts [--runtime PATH] [--filter TEXT]... [--oci-version V] [--list]\n' +
    '  --runtime PATH  the runtime binary to test (default: ./tsrunc); it is called with runc\'s command line\n' +
    '  --oci-version V the ociVersion of the configs written (default 1.3.0; e.g. 1.0.2 for runtimes that refuse newer)\n' +
    '  --filter TEXT   only requirements whose id or text contains TEXT (repeatable: any of them)\n' +
    '  --list          print the requirements without running them');
  process.exit(code);
}

function parseArgs(argv: string[]): { filters: string[]; list: boolean } {
  const filters: string[] = [];
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => { const v = argv[++i]; if (v === undefined) usage(2); return v; };
    if (a === '--runtime') settings.runtime = path.resolve(value());
    else if (a.startsWith('--runtime=')) settings.runtime = path.resolve(a.slice(10));
    else if (a === '--oci-version') settings.ociVersion = value();
    else if (a.startsWith('--oci-version=')) settings.ociVersion = a.slice(14);
    else if (a === '--filter') filters.push(value());
    else if (a.startsWith('--filter=')) filters.push(a.slice(9));
    else if (a === '--list') list = true;
    else if (a === '-h' || a === '--help') usage(0);
    else { console.error(`unknown argument: ${a}`); usage(2); }
  }
  return { filters, list };
}

/** The mount point a path lives on. */
function longestMountPrefix(dir: string): string {
  const real = fs.existsSync(dir) ? fs.realpathSync(dir) : dir;
  return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')).map((m) => m.mountPoint)
    .filter((p) => real === p || real.startsWith(p === '/' ? '/' : p + '/')).sort((a, b) => b.length - a.length)[0] ?? '/';
}
function oneLine(s: string): string { return s.replace(/\s*\n\s*/g, ' / ').replace(/\s+/g, ' ').trim(); }

let current: Ctx | null = null;

async function runOne(req: Requirement): Promise<Outcome> {
  const t0 = Date.now();
  let status: Outcome['status'] = 'PASS';
  let note = '';
  if (process.getuid?.() !== 0) return { req, status: 'SKIP', note: 'needs root to run containers', ms: 0 };
  const t = new Ctx(req);
  current = t;
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      Promise.resolve().then(() => req.check(t)),
      new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`check timed out after ${CHECK_TIMEOUT_MS / 1000}s`)), CHECK_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (typeof r === 'string') note = r;
  } catch (e: any) {
    if (e instanceof Skip) status = 'SKIP';
    else status = 'FAIL';
    note = e instanceof Error ? e.message : String(e);
    // anything but a Fail/Skip is the check itself breaking (a host setup step, a bug here): say so
    if (status === 'FAIL' && !(e instanceof Fail)) note = `check error: ${note}`;
  }
  let left: string[] = [];
  try { left = t.cleanup(); } catch (e: any) { left = [`cleanup failed: ${e.message}`]; }
  current = null;
  if (left.length) {
    const shown = left.length > 4 ? [...left.slice(0, 4), `and ${left.length - 4} more`] : left;
    const leak = `left behind after delete --force: ${shown.join('; ')}`;
    note = status === 'FAIL' ? `${note}; ${leak}` : leak;
    status = 'FAIL';
  }
  return { req, status, note: oneLine(note), ms: Date.now() - t0 };
}

function markdown(results: [string, Outcome[]][], counts: string): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const version = spawnSync(settings.runtime, ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? '';
  const out = [
    '# Runtime spec conformance report', '',
    `Generated by \`bun conformance/run.ts\` on ${new Date().toISOString()}.`, '',
    `- runtime: \`${settings.runtime}\` (${version.trim() || 'version unknown'})`,
    `- spec: OCI runtime-spec v1.3.0 (${'runtime.md, runtime-linux.md, config.md, config-linux.md'})`,
    `- result: **${counts}**`, '',
  ];
  for (const [file, list] of results) {
    const c = (s: string) => list.filter((o) => o.status === s).length;
    out.push(`## ${file}`, '', `${c('PASS')} passed, ${c('FAIL')} failed, ${c('SKIP')} skipped`, '',
      '| Result | Requirement | Level | Text | Note |', '| --- | --- | --- | --- | --- |');
    for (const o of list) out.push(`| ${o.status} | \`${o.req.id}\` | ${o.req.level} | ${esc(o.req.text)} | ${esc(o.note)} |`);
    out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const { filters, list } = parseArgs(process.argv.slice(2));
  const selected = (r: Requirement) => filters.length === 0 || filters.some((f) => r.id.includes(f) || r.text.includes(f));
  const ids = new Set<string>();
  for (const [, reqs] of SECTIONS) for (const r of reqs) {
    if (ids.has(r.id)) throw new Error(`duplicate requirement id ${r.id}`);
    ids.add(r.id);
  }
  if (list) {
    for (const [file, reqs] of SECTIONS) {
      console.log(`# ${file}`);
      for (const r of reqs.filter(selected)) console.log(`${r.id}  ${r.level}  ${r.text}`);
    }
    return;
  }
  if (!fs.existsSync(settings.runtime)) { console.error(`runtime not found: ${settings.runtime} (make build, or --runtime PATH)`); process.exit(2); }
  if (!fs.existsSync(ROOTFS)) { console.error(`busybox rootfs not found: ${ROOTFS} (make rootfs-cache/busybox)`); process.exit(2); }

  // bundles must live where the container can exec its programs: not on a noexec /tmp
  const execOk = (dir: string) => {
    const m = mountAt(parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')), longestMountPrefix(dir));
    return fs.existsSync(dir) && !!m && !m.options.includes('noexec') && !m.options.includes('nosuid') && !m.options.includes('ro');
  };
  settings.tmp = [process.env.CONFORMANCE_TMPDIR, os.tmpdir(), '/var/tmp', path.join(REPO, 'conformance')].find((d): d is string => !!d && execOk(d)) ?? os.tmpdir();
  // a private snapshot of the rootfs (others may rebuild rootfs-cache while this runs)
  const snapshot = fs.mkdtempSync(path.join(settings.tmp, 'conformance-rootfs-'));
  const removeSnapshot = () => fs.rmSync(snapshot, { recursive: true, force: true });
  for (let i = 0; ; i++) {
    const cp = spawnSync('cp', ['-a', ROOTFS, path.join(snapshot, 'busybox')]);
    if (cp.status === 0) break;
    fs.rmSync(path.join(snapshot, 'busybox'), { recursive: true, force: true });
    if (i === 4) { removeSnapshot(); console.error(`cannot copy ${ROOTFS}: ${cp.stderr}`); process.exit(2); }
    await new Promise((r) => setTimeout(r, 2000));
  }
  settings.rootfs = path.join(snapshot, 'busybox');
  process.on('exit', removeSnapshot);
  process.on('SIGINT', () => { try { current?.cleanup(); } finally { process.exit(130); } });
  process.on('SIGTERM', () => { try { current?.cleanup(); } finally { process.exit(143); } });

  const results: [string, Outcome[]][] = [];
  const t0 = Date.now();
  for (const [file, reqs] of SECTIONS) {
    const chosen = reqs.filter(selected);
    if (chosen.length === 0) continue;
    console.log(`# ${file}`);
    const outs: Outcome[] = [];
    for (const req of chosen) {
      const o = await runOne(req);
      outs.push(o);
      console.log([o.status, o.req.id, o.req.level, o.req.text, o.note].filter(Boolean).join('  '));
    }
    results.push([file, outs]);
  }
  const all = results.flatMap(([, o]) => o);
  const n = (s: string) => all.filter((o) => o.status === s).length;
  const counts = `${n('PASS')} passed, ${n('FAIL')} failed, ${n('SKIP')} skipped`;
  fs.writeFileSync(path.join(REPO, 'conformance', 'report.md'), markdown(results, counts) + '\n');
  console.log(`# ${all.length} requirements in ${((Date.now() - t0) / 1000).toFixed(1)}s against ${settings.runtime}; report: conformance/report.md`);
  console.log(counts);
  process.exit(all.some((o) => o.status === 'FAIL' && o.req.level === 'MUST') ? 1 : 0);
}

main().catch((e) => { console.error(short(String(e?.stack ?? e), 2000)); process.exit(2); });
