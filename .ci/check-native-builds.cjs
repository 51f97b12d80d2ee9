#!/usr/bin/env node
'use strict';
// After `npm ci`: fails when any installed package built, or would build, native code, or runs
// an install script nobody reviewed. The README promises an install with Node.js and npm alone;
// this keeps a new dependency from quietly needing a compiler or system headers again.
// docs/adr/0007-install-with-node-and-npm-alone.md
const fs = require('node:fs');
const path = require('node:path');

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];
const NATIVE_TOOLS = /\b(node-gyp|prebuild-install|node-pre-gyp|cmake-js)\b/;
// What node-gyp leaves behind in a package it configured or built.
const BUILD_OUTPUTS = ['build/config.gypi', 'build/Makefile', 'build/Release'];

function listPackages(nodeModules) {
  if (!fs.existsSync(nodeModules)) return [];
  return fs.readdirSync(nodeModules).flatMap((name) => {
    if (name.startsWith('.')) return [];
    const dir = path.join(nodeModules, name);
    if (name.startsWith('@')) return listPackages(dir);
    if (!fs.existsSync(path.join(dir, 'package.json'))) return [];
    return [dir, ...listPackages(path.join(dir, 'node_modules'))];
  });
}

/** The scripts npm runs at install time, with the `node-gyp rebuild` it adds for a binding.gyp. */
function installScriptsOf(dir, pkg) {
  const scripts = {};
  for (const key of INSTALL_SCRIPTS) if (pkg.scripts && pkg.scripts[key]) scripts[key] = pkg.scripts[key];
  const gyp = pkg.gypfile !== false && fs.existsSync(path.join(dir, 'binding.gyp'));
  if (gyp && !scripts.install && !scripts.preinstall) scripts.install = 'node-gyp rebuild';
  return { scripts, gyp };
}

function reviewOf(allowScripts, pkg) {
  for (const key of [`${pkg.name}@${pkg.version}`, pkg.name]) if (key in allowScripts) return allowScripts[key];
  return undefined;
}

/** Every problem as "package@version: what is wrong and what to do". Empty when the install is clean. */
function findNativeBuilds(root) {
  const allowScripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).allowScripts || {};
  const problems = [];
  for (const dir of listPackages(path.join(root, 'node_modules'))) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const id = `${pkg.name}@${pkg.version}`;
    const where = path.relative(root, dir);
    for (const output of BUILD_OUTPUTS) {
      if (fs.existsSync(path.join(dir, output))) problems.push(`${id}: was built natively (${where}/${output} exists); drop the package or the dependency that brings it in.`);
    }
    const { scripts, gyp } = installScriptsOf(dir, pkg);
    const commands = Object.values(scripts);
    if (commands.length === 0) continue;
    const review = reviewOf(allowScripts, pkg);
    const native = gyp || commands.some((c) => NATIVE_TOOLS.test(c));
    if (native && review !== false) {
      problems.push(`${id}: would build native code at install (${Object.entries(scripts).map(([k, v]) => `${k}: ${v}`).join('; ')}); deny its script in package.json "allowScripts" if it works without it, or drop it.`);
    } else if (review === undefined) {
      problems.push(`${id}: runs an install script nobody reviewed (${Object.entries(scripts).map(([k, v]) => `${k}: ${v}`).join('; ')}); read it, then record the decision with "npm install-scripts approve ${pkg.name}" or "npm install-scripts deny ${pkg.name}".`);
    }
  }
  return problems;
}

module.exports = { findNativeBuilds };

if (require.main === module) {
  const root = path.resolve(process.argv[2] || '.');
  const problems = findNativeBuilds(root);
  if (problems.length > 0) {
    process.stderr.write(`The install is not Node.js-and-npm only:\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  console.log(`No native builds: ${listPackages(path.join(root, 'node_modules')).length} installed packages checked.`);
}
