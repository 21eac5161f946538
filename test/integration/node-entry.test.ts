// The Node entry point (`node dist/tsrunc.js`) behaves like the standalone executable: a smoke set.
import { Sandbox, assertNothingLeft, describeRoot } from '../helpers/runtime';

describeRoot('node dist/tsrunc.js', () => {
  let sb: Sandbox;
  beforeEach(() => { sb = new Sandbox('node'); });
  afterEach(() => sb.cleanup());

  test('--version, spec, run', () => {
    expect(sb.ok(['--version'], { root: false }).stdout).toMatch(/^tsrunc version/);
    const bundle = sb.bundle((c) => { c.process.args = ['sh', '-c', 'echo hi; exit 7']; });
    const id = sb.id();
    const r = sb.run(['run', '--bundle', bundle, id]);
    expect(r.stdout).toBe('hi\n');
    expect(r.code).toBe(7);
    assertNothingLeft(id, sb.root);
  });

  test('create, start, state, delete', () => {
    const bundle = sb.bundle((c) => { c.process.args = ['sleep', '1000']; });
    const id = sb.id();
    sb.ok(['create', '--bundle', bundle, id]);
    expect(sb.state(id).status).toBe('created');
    sb.ok(['start', id]);
    expect(sb.state(id).status).toBe('running');
    sb.ok(['delete', '--force', id]);
    assertNothingLeft(id, sb.root);
  });
});
