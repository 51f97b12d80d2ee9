#!/usr/bin/env node
'use strict';
// Runs before `npm start` loads anything else, so a Node.js that is too old gets one sentence
// naming the version it needs instead of a stack trace from deep inside a dependency.
// Written in the JavaScript that very old Node.js versions still parse (no ?., no ??).
var path = require('path');

/** "20.19" or "v20.19.0" -> [20, 19, 0] */
function parseVersion(text) {
  var parts = String(text).replace(/^[^0-9]*/, '').split('.');
  return [0, 1, 2].map(function (i) {
    var n = parseInt(parts[i] || '0', 10);
    return isNaN(n) ? 0 : n;
  });
}

/** True when `version` is at least the minimum of an engines range of the form ">=X.Y[.Z]". */
function satisfiesMinimum(version, range) {
  var match = /^>=\s*v?(\d+(?:\.\d+){0,2})$/.exec(String(range).trim());
  if (!match) throw new Error('bin/check-node-version.cjs understands only ">=X.Y.Z" engines ranges, not "' + range + '"');
  var have = parseVersion(version);
  var need = parseVersion(match[1]);
  for (var i = 0; i < 3; i += 1) {
    if (have[i] !== need[i]) return have[i] > need[i];
  }
  return true;
}

function checkNodeVersion(version) {
  var range = require(path.join(__dirname, '..', 'package.json')).engines.node;
  if (satisfiesMinimum(version, range)) return null;
  return (
    'Scopekeeper needs Node.js ' + range.replace(/^>=\s*/, '') + ' or newer (package.json engines.node "' + range + '"), ' +
    'but this is Node.js ' + version + '. Install a newer Node.js (22 LTS is recommended) and run the command again.'
  );
}

module.exports = { checkNodeVersion: checkNodeVersion, satisfiesMinimum: satisfiesMinimum };

if (require.main === module) {
  var problem = checkNodeVersion(process.version);
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(1);
  }
}
