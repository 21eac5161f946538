// `tsrunc features` (runc-features(8)): src/features.ts, printed as JSON.
import { features } from '../../features';
import { stdout } from '../output';

export function run(): number {
  stdout(JSON.stringify(features(), null, 4) + '\n');
  return 0;
}
