#!/usr/bin/env node
'use strict';
// Stands in for node-gyp during CI installs, so a dependency that starts a native build fails the
// install at once, naming itself, instead of needing system libraries the README never asks for.
// .ci/run links it as node_modules/.bin/node-gyp in the folder above the clone: npm puts every
// ancestor's node_modules/.bin on a script's PATH ahead of its own node-gyp (@npmcli/run-script
// set-path.js), and `npm_config_node_gyp` is not passed to dependency install scripts.
// docs/adr/0007-install-with-node-and-npm-alone.md
const pkg = process.env.npm_package_name || require('path').basename(process.cwd());
process.stderr.write(
  `A dependency started a native build: ${pkg} ran "node-gyp ${process.argv.slice(2).join(' ')}" in ${process.cwd()}.\n` +
    'Scopekeeper must install with Node.js and npm alone. Replace or drop the package that brings it in ' +
    '(npm ls ' + pkg + ' shows the chain), or deny its script in package.json "allowScripts" if it works without it.\n',
);
process.exit(1);
