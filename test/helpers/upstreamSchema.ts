// The upstream runtime-spec JSON Schemas (draft-04, loaded with ajv-draft-04), the test oracle for
// documents this project writes or reads. They live in the project workspace (../shared), not in the
// repository: where they are absent, `haveUpstream` is false and tests skip with SKIP_REASON.
import * as fs from 'fs';
import * as path from 'path';

// Beside the checkout (/work/main -> /work/shared) or beside a worktree's parent (/work/wt/x -> /work/shared).
const REPO = path.resolve(__dirname, '../..');
export const UPSTREAM_SPEC = [path.resolve(REPO, '../shared/reference/runtime-spec'), path.resolve(REPO, '../../shared/reference/runtime-spec')]
  .find((d) => fs.existsSync(path.join(d, 'schema'))) ?? path.resolve(REPO, '../shared/reference/runtime-spec');
export const UPSTREAM_SCHEMAS = path.join(UPSTREAM_SPEC, 'schema');
export const haveUpstream = fs.existsSync(path.join(UPSTREAM_SCHEMAS, 'config-schema.json'));
export const SKIP_REASON = `upstream runtime-spec schemas not found at ${UPSTREAM_SPEC} (they are in the project workspace, not in the repository)`;

export type UpstreamKind = 'config' | 'state' | 'features';
export interface UpstreamValidator { (doc: unknown): boolean; errors(): unknown }

/** The upstream schemas, loaded all together since config-schema.json refers to every platform's file. */
export function loadUpstream(): Record<UpstreamKind, UpstreamValidator> {
  const Ajv04 = require('ajv-draft-04').default;
  const ajv = new Ajv04({ strict: false, allErrors: false });
  for (const file of fs.readdirSync(UPSTREAM_SCHEMAS).filter((f) => f.endsWith('.json'))) {
    // A few upstream refs are written `#definitions/...`, which Ajv rejects; normalise them.
    const text = fs.readFileSync(path.join(UPSTREAM_SCHEMAS, file), 'utf8').replace(/"#definitions\//g, '"#/definitions/');
    ajv.addSchema(JSON.parse(text), file);
  }
  const get = (id: string): UpstreamValidator => {
    const v = ajv.getSchema(id);
    if (!v) throw new Error(`upstream schema ${id} did not load`);
    return Object.assign((d: unknown) => v(d) as boolean, { errors: () => v.errors });
  };
  return { config: get('config-schema.json'), state: get('state-schema.json'), features: get('features-schema.json') };
}
