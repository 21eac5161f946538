// The one lazy loader of the cgroup managers (src/cgroups/lazy.ts): kill and ps import it, not the
// managers, so that a command that needs no cgroup does not load them at start-up (issue 12).
import type { CgroupRecord } from '../../../src/cgroups/manager';

const rec: CgroupRecord = { version: 1, path: '/tsrunc/c1', paths: { memory: '/sys/fs/cgroup/memory/tsrunc/c1' }, created: [] };

test('importing kill, ps and the loader loads no manager; loadManager loads them on its first call', () => {
  let loaded = 0;
  jest.isolateModules(() => {
    jest.doMock('../../../src/cgroups/fromRecord', () => {
      loaded++;
      return { managerFromRecord: (r: CgroupRecord) => ({ fake: r }) };
    });
    require('../../../src/container/kill');
    require('../../../src/container/ps');
    const { loadManager } = require('../../../src/cgroups/lazy') as typeof import('../../../src/cgroups/lazy');
    expect(loaded).toBe(0);
    expect(loadManager(rec)).toEqual({ fake: rec });
    expect(loadManager(rec)).toEqual({ fake: rec });
    expect(loaded).toBe(1);
  });
  jest.dontMock('../../../src/cgroups/fromRecord');
});

test('loadManager gives the manager the record calls for', () => {
  jest.isolateModules(() => {
    const { loadManager } = require('../../../src/cgroups/lazy') as typeof import('../../../src/cgroups/lazy');
    const { V1Manager } = require('../../../src/cgroups/v1') as typeof import('../../../src/cgroups/v1');
    const { V2Manager } = require('../../../src/cgroups/v2') as typeof import('../../../src/cgroups/v2');
    expect(loadManager(rec)).toBeInstanceOf(V1Manager);
    expect(loadManager({ version: 2, path: '/tsrunc/c1', paths: { unified: '/sys/fs/cgroup/tsrunc/c1' }, created: [] })).toBeInstanceOf(V2Manager);
  });
});
