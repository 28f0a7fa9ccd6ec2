import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChannelClosedError, encodeParentReply, LineSplitter, OversizedLineError, readLineSync } from '../../src/plugins/protocol.ts';
import { statementTimeoutMs } from '../../src/plugins/sql-service.ts';
import { tempDir } from '../helpers/cli.ts';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('LineSplitter (parent side)', () => {
  it('joins a line split over many chunks, including a multi-byte character cut in two', () => {
    const split = new LineSplitter();
    const euro = b('€');
    expect(split.push(b('{"a":'))).toEqual([]);
    expect(split.push(Buffer.concat([b('"x'), euro.subarray(0, 1)]))).toEqual([]);
    expect(split.push(Buffer.concat([euro.subarray(1), b('"}\n{"b":1}\n{"c"')]))).toEqual(['{"a":"x€"}', '{"b":1}']);
    expect(split.push(b(':2}\n'))).toEqual(['{"c":2}']);
  });

  it('drops a line over the limit without keeping it, reports it once, and reads the next line', () => {
    const oversized: number[] = [];
    const split = new LineSplitter(10, (n) => oversized.push(n));
    expect(split.push(b('12345678'))).toEqual([]);
    expect(split.push(b('90abc'))).toEqual([]);
    expect(oversized).toEqual([13]);
    expect(split.push(b('def\nok\n'))).toEqual(['ok']);
    expect(split.push(b('0123456789012\nfine\n'))).toEqual(['fine']);
    expect(oversized).toEqual([13, 13]);
  });
});

function fdWith(text: string): number {
  const file = join(tempDir(), 'pipe.txt');
  writeFileSync(file, text);
  return openSync(file, 'r');
}

describe('readLineSync (child side)', () => {
  it('returns lines one at a time across read chunks, then reports the closed channel', () => {
    const long = 'y'.repeat(200_000);
    const fd = fdWith(`first\n${long}\nlast\n`);
    try {
      expect(readLineSync(fd)).toBe('first');
      expect(readLineSync(fd)).toBe(long);
      expect(readLineSync(fd)).toBe('last');
      expect(() => readLineSync(fd)).toThrow(ChannelClosedError);
    } finally {
      closeSync(fd);
    }
  });

  it('refuses a line over the limit and still reads the line after it', () => {
    const fd = fdWith(`${'z'.repeat(300_000)}\nnext\n`);
    try {
      expect(() => readLineSync(fd, 100_000)).toThrow(OversizedLineError);
      expect(readLineSync(fd, 100_000)).toBe('next');
    } finally {
      closeSync(fd);
    }
  });
});

describe('SQL replies and bounds', () => {
  it('forwards a pre-serialized result without re-encoding it', () => {
    const line = encodeParentReply({ type: 'sql-result', ok: true, resultJson: '{"columns":["n"],"rows":[{"n":1}],"truncated":false}' });
    expect(JSON.parse(line)).toEqual({ type: 'sql-result', ok: true, result: { columns: ['n'], rows: [{ n: 1 }], truncated: false } });
  });

  it('caps a statement time bound at the plugin timeout and at the largest timer Node accepts', () => {
    expect(statementTimeoutMs(1e10, 60_000)).toBe(60_000);
    expect(statementTimeoutMs(1e10)).toBe(2 ** 31 - 1 - 500);
    expect(statementTimeoutMs(250, 60_000)).toBe(250);
    expect(statementTimeoutMs(undefined, 60_000)).toBe(10_000);
    expect(statementTimeoutMs(undefined, 3_000)).toBe(3_000);
  });
});
