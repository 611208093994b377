// Where the shipped rules live: mappings/ at the top of the package.
import { fileURLToPath } from 'node:url';

export const DEFAULT_RULES_DIR = fileURLToPath(new URL('../../mappings', import.meta.url));
