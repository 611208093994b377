// Where the shipped rules live: mappings/ at the top of the package.
import { packagePath } from '../package-root.js';

export const DEFAULT_RULES_DIR = packagePath('mappings');
