// The package version, read once from package.json so that it has a single source.
import { readFileSync } from 'node:fs';
import { packagePath } from './package-root.js';

const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as {
  version: string;
};

export const VERSION: string = pkg.version;
export const OCCI_VERSION = '1.2';
export const SERVER_HEADER = `snf-occi/${VERSION} OCCI/${OCCI_VERSION}`;
