'use strict';
/**
 * Loads the compiled libraries. `npm run build` (swc over apps and libs with
 * --strip-leading-paths) writes dist/<lib>/src; compiling libs alone
 * (`npx swc libs -d dist --strip-leading-paths --copy-files`) gives the same layout, and an
 * unstripped build gives dist/libs/<lib>/src. Every layout is accepted.
 */
const fs = require('node:fs');
const path = require('node:path');
const { REPO_DIR } = require('./env.cjs');

const candidates = (lib) => [
  path.join(REPO_DIR, 'dist', 'libs', lib, 'src', 'index.js'),
  path.join(REPO_DIR, 'dist', lib, 'src', 'index.js'),
];

const loadLib = (lib) => {
  const found = candidates(lib).find((file) => fs.existsSync(file));
  if (!found) {
    throw new Error(
      `compiled @vaxledger/${lib} not found (looked in ${candidates(lib)
        .map((f) => path.relative(REPO_DIR, f))
        .join(', ')}); run \`npm run build\` or \`npx swc libs -d dist --strip-leading-paths --copy-files\` first`,
    );
  }
  return require(found);
};

const eventStoreLib = () => loadLib('event-store');
const projectionsLib = () => loadLib('projections');

module.exports = { loadLib, eventStoreLib, projectionsLib };
