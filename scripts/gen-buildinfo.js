// Writes src/generated/buildinfo.js (the commit shown by `tsrunc --version`).
const { execSync } = require('child_process');
const fs = require('fs');
const path = require('path');
let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short=12 HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  if (execSync('git status --porcelain --untracked-files=no', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()) commit += '-dirty';
} catch {}
const out = path.join(__dirname, '..', 'src', 'generated');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'buildinfo.js'), `exports.COMMIT = ${JSON.stringify(commit)};\n`);
fs.writeFileSync(path.join(out, 'buildinfo.d.ts'), 'export declare const COMMIT: string;\n');
