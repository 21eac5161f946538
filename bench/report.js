#!/usr/bin/env node
// bench/report.js RESULTS_DIR [OUT_DIR]: turns the hyperfine JSON and page-fault counts of bench/run.sh
// into bench/RESULTS.md (date, machine, kernel, tool versions, the exact commands, means, ratios to
// runc and to crun, the time above the bare Bun executable, page faults) and bench/results.svg (ratios
// to runc as horizontal bars, the floor drawn as its own bar). No dependencies beyond Node.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const dir = process.argv[2];
const out = process.argv[3] || path.join(__dirname);
const groups = JSON.parse(fs.readFileSync(path.join(dir, 'groups.json'), 'utf8'));
const mem = fs.existsSync(path.join(dir, 'pss.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'pss.json'), 'utf8')) : null;

const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || ['', 'unknown'])[1];
const kernel = os.release();
const sh = (c, a) => { try { return execFileSync(c, a, { encoding: 'utf8' }).trim().split('\n')[0]; } catch { return 'not installed'; } };
const versions = {
  runc: sh('runc', ['--version']), crun: sh('crun', ['--version']), bun: sh(path.join(__dirname, '..', 'node_modules', '.bin', 'bun'), ['--version']),
  node: process.version, hyperfine: sh('hyperfine', ['--version']), perf: sh('perf', ['--version']),
  tsrunc: sh(path.join(__dirname, '..', 'tsrunc'), ['--version']),
};

const rows = [];
for (const g of groups) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, `${g.name}.json`), 'utf8')).results;
  const runc = r.find((x) => x.command === 'runc');
  const crun = r.find((x) => x.command === 'crun');
  const floor = r.find((x) => x.command.startsWith('bare Bun'));
  const faultsFile = path.join(dir, `${g.name}-faults.json`);
  const faults = fs.existsSync(faultsFile) ? JSON.parse(fs.readFileSync(faultsFile, 'utf8')) : {};
  rows.push({ group: g, results: r.map((x) => ({
    name: x.command, mean: x.mean * 1000, stddev: (x.stddev || 0) * 1000, min: x.min * 1000,
    ratio: runc ? x.mean / runc.mean : NaN, ratioCrun: crun ? x.mean / crun.mean : NaN,
    aboveFloor: floor && !x.command.startsWith('bare Bun') ? (x.mean - floor.mean) * 1000 : undefined,
    faults: faults[x.command] ?? undefined,
  })) });
}

const ratio = (v) => (isFinite(v) ? v.toFixed(2) + 'x' : '');
let md = '# Start-up benchmarks\n\nMade by `make bench` (bench/run.sh, then bench/report.js; bench/parallel.sh appends the last table).\n';
md += 'Ratios are within one hyperfine invocation per table; absolute times on a shared machine are noisy, ratios\n';
md += 'less so, and page faults (`perf stat -e page-faults -r 10`, the mean) not at all: a fault costs about 20 µs here.\n\n';
md += `- date: ${new Date().toISOString()}\n- machine: ${os.cpus().length} cores, ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n- kernel: ${kernel}\n`;
md += `- tools: ${Object.entries(versions).map(([k, v]) => `${k}: ${v}`).join('; ')}\n`;
md += '- every command runs inside `unshare -m --propagation private sh -c \'umount /sys/fs/cgroup/unified; ...\'`\n  (crun 1.8 refuses this host\'s hybrid cgroup layout otherwise), the same wrapper for every runtime and the floor\n';
md += '- the floor is a Bun executable built with tsrunc\'s own flags that prints one line (bench/floor.ts): nothing\n  compiled by this Bun starts faster; tsrunc\'s time above it is what tsrunc controls\n\n';
md += '![ratios to runc](results.svg)\n\n';
for (const { group, results } of rows) {
  md += `## ${group.title}\n\n${group.note ? group.note + '\n\n' : ''}\`${group.command}\` (RUNTIME is each row's command)\n\n| runtime | mean (ms) | ± (ms) | min (ms) | ratio to runc | ratio to crun | above the floor (ms) | page faults |\n|---|---|---|---|---|---|---|---|\n`;
  for (const x of results) md += `| ${x.name} | ${x.mean.toFixed(1)} | ${x.stddev.toFixed(1)} | ${x.min.toFixed(1)} | ${ratio(x.ratio)} | ${ratio(x.ratioCrun)} | ${x.aboveFloor === undefined ? '' : x.aboveFloor.toFixed(1)} | ${x.faults ?? ''} |\n`;
  md += '\n';
}
if (mem) {
  md += '## Memory of a created container\'s init\n\nPss (kB, /proc/PID/smaps_rollup) of the process that waits for `start`, per runtime:\n\n| runtime | Pss (kB) |\n|---|---|\n';
  for (const [k, v] of Object.entries(mem)) md += `| ${k} | ${v} |\n`;
  md += '\n';
}
fs.writeFileSync(path.join(out, 'RESULTS.md'), md);

// SVG: one block per group, one bar per runtime, length = ratio to runc; a line at 1.0x.
const barH = 16, gap = 4, left = 260, width = 420, maxRatio = Math.max(2, ...rows.flatMap((r) => r.results.map((x) => x.ratio).filter((v) => isFinite(v))));
const scale = width / maxRatio;
let y = 30, body = '';
const colors = { tsrunc: '#2b7bb9', runc: '#666', crun: '#3a9d5d', floor: '#c47f17' };
const colorOf = (n) => (n.startsWith('bare Bun') ? colors.floor : n.startsWith('tsrunc') ? colors.tsrunc : n === 'crun' ? colors.crun : colors.runc);
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
for (const { group, results } of rows) {
  body += `<text x="10" y="${y}" font-weight="bold">${esc(group.title)}</text>\n`;
  y += 8;
  for (const x of results) {
    const w = isFinite(x.ratio) ? x.ratio * scale : 0;
    body += `<text x="10" y="${y + barH - 4}">${esc(x.name)}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colorOf(x.name)}"/>`;
    body += `<text x="${left + w + 4}" y="${y + barH - 4}">${isFinite(x.ratio) ? x.ratio.toFixed(2) + 'x' : ''} (${x.mean.toFixed(1)} ms)</text>\n`;
    y += barH + gap;
  }
  y += 18;
}
const h = y + 10, one = left + scale;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 140}" height="${h}" font-family="sans-serif" font-size="12">\n` +
  `<text x="10" y="16">Time relative to runc (1.0x = runc), one hyperfine run per block; ${esc(new Date().toISOString().slice(0, 10))}</text>\n` +
  `<line x1="${one}" y1="22" x2="${one}" y2="${h - 10}" stroke="#000" stroke-dasharray="4 3"/>\n${body}</svg>\n`;
fs.writeFileSync(path.join(out, 'results.svg'), svg);
console.log(`wrote ${path.join(out, 'RESULTS.md')} and results.svg`);
