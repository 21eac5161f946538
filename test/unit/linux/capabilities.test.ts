import * as fs from 'fs';
import { CAPABILITIES, capabilityMasks, dropUngrantable, maskNames } from '../../../src/linux/capabilities';

describe('CAPABILITIES (linux/capability.h numbering)', () => {
  test('well-known numbers', () => {
    const n = (name: string) => CAPABILITIES.indexOf(name);
    expect(n('CAP_CHOWN')).toBe(0);
    expect(n('CAP_KILL')).toBe(5);
    expect(n('CAP_SETUID')).toBe(7);
    expect(n('CAP_NET_BIND_SERVICE')).toBe(10);
    expect(n('CAP_NET_ADMIN')).toBe(12);
    expect(n('CAP_SYS_ADMIN')).toBe(21);
    expect(n('CAP_MKNOD')).toBe(27);
    expect(n('CAP_AUDIT_WRITE')).toBe(29);
    expect(n('CAP_SETFCAP')).toBe(31);
    expect(n('CAP_MAC_OVERRIDE')).toBe(32);
    expect(n('CAP_AUDIT_READ')).toBe(37);
    expect(n('CAP_PERFMON')).toBe(38);
    expect(n('CAP_BPF')).toBe(39);
    expect(n('CAP_CHECKPOINT_RESTORE')).toBe(40);
    expect(CAPABILITIES.length).toBe(41);
    expect(new Set(CAPABILITIES).size).toBe(CAPABILITIES.length);
  });

  const header = '/usr/include/linux/capability.h';
  (fs.existsSync(header) ? test : test.skip)('every name in the installed kernel header has the same number here', () => {
    const text = fs.readFileSync(header, 'utf8');
    const defs = [...text.matchAll(/^#define\s+(CAP_[A-Z_]+)\s+(\d+)\s*$/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(defs.length).toBeGreaterThan(35);
    for (const [name, num] of defs) {
      if (num < CAPABILITIES.length) expect([name, CAPABILITIES.indexOf(name)]).toEqual([name, num]);
    }
  });
});

describe('capabilityMasks', () => {
  test('each set becomes its own mask', () => {
    const m = capabilityMasks({
      bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_CHECKPOINT_RESTORE'],
      effective: ['CAP_KILL'],
      permitted: ['CAP_KILL', 'CAP_SYS_ADMIN'],
      inheritable: [],
      ambient: ['CAP_NET_BIND_SERVICE'],
    });
    expect(m.bounding).toBe((1n << 0n) | (1n << 5n) | (1n << 40n));
    expect(m.effective).toBe(1n << 5n);
    expect(m.permitted).toBe((1n << 5n) | (1n << 21n));
    expect(m.inheritable).toBe(0n);
    expect(m.ambient).toBe(1n << 10n);
  });

  test('absent capabilities: all masks zero', () => {
    expect(capabilityMasks(undefined)).toEqual({ bounding: 0n, effective: 0n, inheritable: 0n, permitted: 0n, ambient: 0n });
    expect(capabilityMasks({ bounding: ['CAP_KILL'] }).effective).toBe(0n);
  });

  test('names are case-insensitive and duplicates are harmless', () => {
    expect(capabilityMasks({ bounding: ['cap_kill', 'CAP_KILL', 'Cap_Chown'] }).bounding).toBe((1n << 5n) | 1n);
  });

  test('every capability maps to its own bit (the whole set is 2^41 - 1)', () => {
    expect(capabilityMasks({ bounding: [...CAPABILITIES] }).bounding).toBe((1n << 41n) - 1n);
  });

  test.each(['bounding', 'effective', 'inheritable', 'permitted', 'ambient'])('an unknown name in %s is left out and reported, not an error (config.md, runc 1.2+)', (set) => {
    const unknown: string[] = [];
    const m = capabilityMasks({ [set]: ['CAP_KILL', 'CAP_FLY'] }, unknown);
    expect(m[set as keyof typeof m]).toBe(1n << 5n);
    expect(unknown).toEqual(['CAP_FLY']);
  });

  test('a name without the CAP_ prefix is unknown; each unknown name is reported once', () => {
    const unknown: string[] = [];
    const m = capabilityMasks({ bounding: ['KILL', 'CAP_NOPE'], effective: ['CAP_NOPE'] }, unknown);
    expect(m.bounding).toBe(0n);
    expect(unknown).toEqual(['KILL', 'CAP_NOPE']);
  });
});

describe('maskNames', () => {
  test('names in bit order, comma separated', () => {
    expect(maskNames((1n << 29n) | (1n << 5n) | (1n << 10n))).toBe('CAP_KILL,CAP_NET_BIND_SERVICE,CAP_AUDIT_WRITE');
    expect(maskNames(1n)).toBe('CAP_CHOWN');
  });
  test('empty mask', () => {
    expect(maskNames(0n)).toBe('(none)');
  });
});

describe('dropUngrantable (config.md: warn, do not fail, for capabilities the runtime cannot grant)', () => {
  test('capabilities outside the available set leave every set, and are named', () => {
    const m = capabilityMasks({ bounding: ['CAP_CHOWN', 'CAP_SYS_RESOURCE'], effective: ['CAP_SYS_RESOURCE'], permitted: ['CAP_CHOWN', 'CAP_SYS_RESOURCE'], inheritable: [], ambient: ['CAP_SYS_RESOURCE'] });
    const avail = ~(1n << 24n); // everything but CAP_SYS_RESOURCE (24)
    expect(dropUngrantable(m, avail)).toBe('CAP_SYS_RESOURCE');
    expect(m).toEqual({ bounding: 1n, effective: 0n, permitted: 1n, inheritable: 0n, ambient: 0n });
  });
  test('nothing to drop: undefined, masks unchanged', () => {
    const m = capabilityMasks({ bounding: ['CAP_CHOWN'] });
    expect(dropUngrantable(m, ~0n)).toBeUndefined();
    expect(m.bounding).toBe(1n);
  });
});
