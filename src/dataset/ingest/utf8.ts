/**
 * UTF-8 validation of a byte stream in chunks. csv-parse silently turns invalid bytes into
 * U+FFFD, so every chunk is checked with `buffer.isUtf8` (native, no allocation) first; a
 * multi-byte character split across chunks is carried over. When a chunk is invalid, the
 * file is scanned once more to report the line and byte offset of the first bad byte (error
 * path only, so it can afford to be simple).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { HarnessError } from '../../common/errors.ts';

export class Utf8Checker {
  private carry: Buffer | null = null;
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Validate the next chunk (throws a HarnessError with the line of the first bad byte). */
  push(chunk: Buffer): void {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = completeLength(buf);
    if (!isUtf8(buf.subarray(0, cut))) this.fail();
    this.carry = cut < buf.length ? Buffer.from(buf.subarray(cut)) : null;
  }

  end(): void {
    if (this.carry && !isUtf8(this.carry)) this.fail();
  }

  private fail(): never {
    const at = locateInvalidUtf8(this.path);
    throw new HarnessError('encoding', `${this.path} is not valid UTF-8: invalid byte 0x${at.byte.toString(16).padStart(2, '0')} at byte offset ${at.offset}`, {
      file: this.path,
      line: at.line,
      column: at.column,
      hint: 'convert the file to UTF-8 (e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv`) and ingest it again',
    });
  }
}

/** Length of the prefix of `buf` that does not end inside a multi-byte sequence. */
function completeLength(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

export interface InvalidUtf8At {
  offset: number;
  line: number;
  column: number;
  byte: number;
}

/** First invalid UTF-8 byte of a file (strict: no overlongs, surrogates or > U+10FFFF). */
export function locateInvalidUtf8(path: string): InvalidUtf8At {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let base = 0;
    let line = 1;
    let lineStart = 0;
    let need = 0;
    let seqStart = 0;
    let lead = 0;
    let lower = 0x80;
    let upper = 0xbf;
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, base);
      if (got === 0) break;
      for (let i = 0; i < got; i++) {
        const b = buf[i]!;
        const off = base + i;
        if (need > 0) {
          // A bad continuation byte: report the character's lead byte, where it starts.
          if (b < lower || b > upper) return { offset: seqStart, line, column: seqStart - lineStart + 1, byte: lead };
          lower = 0x80;
          upper = 0xbf;
          need--;
          continue;
        }
        if (b === 0x0a) {
          line++;
          lineStart = off + 1;
        } else if (b >= 0x80) {
          seqStart = off;
          lead = b;
          if (b >= 0xc2 && b <= 0xdf) need = 1;
          else if (b >= 0xe0 && b <= 0xef) {
            need = 2;
            if (b === 0xe0) lower = 0xa0;
            if (b === 0xed) upper = 0x9f;
          } else if (b >= 0xf0 && b <= 0xf4) {
            need = 3;
            if (b === 0xf0) lower = 0x90;
            if (b === 0xf4) upper = 0x8f;
          } else return { offset: off, line, column: off - lineStart + 1, byte: b };
        }
      }
      base += got;
    }
    // Valid up to the end, unless the file ends inside a character.
    return need > 0 ? { offset: seqStart, line, column: seqStart - lineStart + 1, byte: lead } : { offset: base, line, column: base - lineStart + 1, byte: 0 };
  } finally {
    closeSync(fd);
  }
}
