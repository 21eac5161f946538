// `tsrunc --version`, in runc's shape: dockerd splits these lines on "version" and "commit:".
import { COMMIT } from '../generated/buildinfo';
export const VERSION = '0.1.0';
export const SPEC_VERSION = '1.3.0';

export function versionText(): string {
  return `tsrunc version ${VERSION}\ncommit: ${COMMIT}\nspec: ${SPEC_VERSION}\n`;
}
