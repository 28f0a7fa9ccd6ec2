import { mkdirSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncBuild } from '../global-setup.ts';
import { tempDir } from './cli.ts';

describe('global setup: build synced into dist/ without torn files', () => {
  it('copies new files, leaves unchanged ones untouched and swaps changed ones by rename', () => {
    const dir = tempDir();
    const build = join(dir, 'build');
    const dist = join(dir, 'dist');
    mkdirSync(join(build, 'cli'), { recursive: true });
    writeFileSync(join(build, 'cli/a.js'), 'export const a = 1;\n');
    writeFileSync(join(build, 'b.js'), 'export const b = 1;\n');
    expect(syncBuild(build, dist)).toBe(2);
    expect(readFileSync(join(dist, 'cli/a.js'), 'utf8')).toBe('export const a = 1;\n');

    const before = statSync(join(dist, 'cli/a.js'));
    const bBefore = statSync(join(dist, 'b.js'));
    // A reader that opened b.js before the rebuild keeps reading the complete old file.
    const fd = openSync(join(dist, 'b.js'), 'r');
    writeFileSync(join(build, 'b.js'), 'export const b = 2; // a longer, different build\n');
    expect(syncBuild(build, dist)).toBe(1);
    const old = Buffer.alloc(64);
    const n = readSync(fd, old, 0, 64, 0);
    closeSync(fd);
    expect(old.subarray(0, n).toString()).toBe('export const b = 1;\n');
    expect(readFileSync(join(dist, 'b.js'), 'utf8')).toBe('export const b = 2; // a longer, different build\n');
    expect(statSync(join(dist, 'b.js')).ino).not.toBe(bBefore.ino);
    // Unchanged: same inode and mtime (not rewritten), and no temp files left behind.
    const after = statSync(join(dist, 'cli/a.js'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(readdirSync(dist, { recursive: true }).map(String).sort()).toEqual(['b.js', 'cli', 'cli/a.js']);
    expect(syncBuild(build, dist)).toBe(0);
  });
});
