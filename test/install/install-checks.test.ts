import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findNativeBuilds } = require('../../.ci/check-native-builds.cjs') as { findNativeBuilds: (root: string) => string[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkNodeVersion } = require('../../bin/check-node-version.cjs') as { checkNodeVersion: (version: string) => string | null };

const ROOT = path.join(__dirname, '..', '..');
const PRELOAD = path.join(__dirname, 'fake-node-version.cjs');

describe('npm start on a Node.js older than engines.node', () => {
  it('says which version it needs, without a stack trace, and starts nothing', () => {
    // npm itself runs on 20.17+, so 20.18 reaches our check through the real `npm start`.
    const run = spawnSync('npm', ['start', '--silent'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: `--require ${PRELOAD}`, FAKE_NODE_VERSION: 'v20.18.0', PORT: '0' },
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Scopekeeper needs Node.js 20.19 or newer (package.json engines.node ">=20.19"), but this is Node.js v20.18.0.');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stdout).not.toContain('listening');
  });

  it('lets every version from the minimum up through', () => {
    expect(checkNodeVersion('v20.19.0')).toBeNull();
    expect(checkNodeVersion('v22.1.0')).toBeNull();
    expect(checkNodeVersion('v20.18.3')).toMatch(/needs Node\.js 20\.19 or newer/);
    expect(checkNodeVersion('v18.20.8')).toMatch(/this is Node\.js v18\.20\.8/);
  });
});

describe('the install check', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'native-check-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function project(allowScripts: Record<string, boolean>, packages: Record<string, { scripts?: Record<string, string>; files?: string[] }>): void {
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'app', allowScripts }));
    for (const [name, spec] of Object.entries(packages)) {
      const dir = path.join(root, 'node_modules', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', scripts: spec.scripts }));
      for (const file of spec.files ?? []) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), '');
      }
    }
  }

  it('passes the repository as installed', () => {
    expect(findNativeBuilds(ROOT)).toEqual([]);
  });

  it('names a package with a binding.gyp, which npm builds with node-gyp by default', () => {
    project({}, { keychain: { files: ['binding.gyp'] } });
    expect(findNativeBuilds(root)).toEqual([expect.stringMatching(/^keychain@1\.0\.0: would build native code at install \(install: node-gyp rebuild\)/)]);
  });

  it('names a scoped package whose script calls prebuild-install, and one that was built', () => {
    project({ '@scope/addon': true }, { '@scope/addon': { scripts: { install: 'prebuild-install || node-gyp rebuild' }, files: ['build/config.gypi'] } });
    expect(findNativeBuilds(root)).toEqual([
      expect.stringContaining('@scope/addon@1.0.0: was built natively (node_modules/@scope/addon/build/config.gypi exists)'),
      expect.stringContaining('@scope/addon@1.0.0: would build native code at install'),
    ]);
  });

  it('names an install script nobody reviewed, and accepts reviewed and denied ones', () => {
    project({ banner: false, checker: true, addon: false }, {
      banner: { scripts: { postinstall: 'node bin/post.js' } },
      checker: { scripts: { postinstall: 'node verify.js' } },
      addon: { files: ['binding.gyp'] },
      fresh: { scripts: { postinstall: 'node setup.js' } },
    });
    expect(findNativeBuilds(root)).toEqual([expect.stringMatching(/^fresh@1\.0\.0: runs an install script nobody reviewed .*npm install-scripts approve fresh/)]);
  });
});

describe('an install under the CI guard that starts node-gyp', () => {
  it('fails at once and names the package', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gyp-guard-'));
    try {
      const addon = path.join(dir, 'addon');
      mkdirSync(addon);
      writeFileSync(path.join(addon, 'package.json'), JSON.stringify({ name: 'tiny-addon', version: '1.0.0' }));
      writeFileSync(path.join(addon, 'binding.gyp'), JSON.stringify({ targets: [{ target_name: 'tiny', sources: ['tiny.c'] }] }));
      // As .ci/run does: the guard is node_modules/.bin/node-gyp in the folder above the project.
      mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
      symlinkSync(path.join(ROOT, '.ci', 'refuse-node-gyp.cjs'), path.join(dir, 'node_modules', '.bin', 'node-gyp'));
      const app = path.join(dir, 'app');
      mkdirSync(app);
      writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', allowScripts: { 'tiny-addon': true } }));
      const run = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--install-links', path.join(addon)], {
        cwd: app,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('A dependency started a native build: tiny-addon ran "node-gyp rebuild"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
