/**
 * The input file before any parsing: exists, is a regular non-empty file, is in an encoding
 * and format we can read. Cheap checks on the first bytes turn what would otherwise be
 * cryptic parser errors (UTF-16 read as UTF-8, CSV handed to the Arrow reader) into
 * messages that say what to do.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { HarnessError } from '../../common/errors.ts';
import { didYouMeanSuffix } from '../../common/suggest.ts';

export const INPUT_FORMATS = ['csv', 'jsonl', 'arrow'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface InputFile {
  path: string;
  size: number;
  format: InputFormat;
}

const ARROW_MAGIC = Buffer.from('ARROW1');

export function inspectInput(path: string, format: string | undefined): InputFile {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) {
      throw new HarnessError('not-a-file', `${path} is a directory, expected a log file (CSV, JSONL or Arrow IPC)`, {
        file: path,
        hint: 'pass the path of one exported log file',
      });
    }
    if (!st.isFile()) throw new HarnessError('not-a-file', `${path} is not a regular file`, { file: path });
    size = st.size;
  } catch (err) {
    if (err instanceof HarnessError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new HarnessError('file-not-found', code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${code ?? String(err)}`, {
      file: path,
      hint: 'check the path (relative paths are resolved against the current directory)',
    });
  }
  if (size === 0) {
    throw new HarnessError('empty-input', `${path} is empty`, { file: path, hint: 'export the log again; a CSV needs a header line and at least one row' });
  }
  const head = readHead(path, 4096);
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new HarnessError('encoding', `${path} is UTF-16 (it starts with a UTF-16 byte-order mark); only UTF-8 is read`, {
      file: path,
      line: 1,
      hint: 'convert it to UTF-8, e.g. `iconv -f UTF-16 -t UTF-8 in.csv > out.csv`, or save it as "CSV UTF-8"',
    });
  }
  const resolved = resolveFormat(path, format, head);
  if (resolved === 'arrow') assertArrowFile(path, size, head);
  else if (head.subarray(0, Math.min(head.length, 512)).includes(0)) {
    throw new HarnessError('encoding', `${path} contains NUL bytes near the start: it is binary or UTF-16 without a byte-order mark, not UTF-8 text`, {
      file: path,
      line: 1,
      hint: head.subarray(0, 6).equals(ARROW_MAGIC) ? 'this looks like an Arrow IPC file: pass --format arrow' : 'convert it to UTF-8 text',
    });
  }
  return { path, size, format: resolved };
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function resolveFormat(path: string, format: string | undefined, head: Buffer): InputFormat {
  if (format !== undefined) {
    if ((INPUT_FORMATS as readonly string[]).includes(format)) return format as InputFormat;
    throw new HarnessError('usage', `--format must be one of ${INPUT_FORMATS.join(', ')}; got "${format}"${didYouMeanSuffix(format, INPUT_FORMATS)}`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') return 'arrow';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (head.subarray(0, 6).equals(ARROW_MAGIC)) return 'arrow';
  return 'csv';
}

/** Arrow IPC file = `ARROW1` + padding … footer … int32 footer length + `ARROW1`. */
function assertArrowFile(path: string, size: number, head: Buffer): void {
  if (!head.subarray(0, 6).equals(ARROW_MAGIC)) {
    const text = head.toString('utf8');
    const looksCsv = /^[^\n]*[,;\t][^\n]*\r?\n/.test(text);
    throw new HarnessError('not-arrow', `${path} is not an Arrow IPC file (it does not start with the ARROW1 magic)${looksCsv ? '; it looks like CSV text' : ''}`, {
      file: path,
      hint: looksCsv ? 'ingest it with --format csv (or give it a .csv extension)' : 'write the file with an Arrow IPC *file* writer (pyarrow.ipc.new_file / feather v2)',
    });
  }
  const fd = openSync(path, 'r');
  try {
    const tail = Buffer.alloc(10);
    if (size < 6 + 10) throw new HarnessError('not-arrow', `${path} is truncated: too short for an Arrow IPC file`, { file: path });
    readSync(fd, tail, 0, 10, size - 10);
    const footerLen = tail.readInt32LE(0);
    if (!tail.subarray(4).equals(ARROW_MAGIC) || footerLen <= 0 || footerLen > size - 16) {
      throw new HarnessError('not-arrow', `${path} is truncated or an Arrow *stream*: the ARROW1 footer is missing`, {
        file: path,
        hint: 'write the complete file with an Arrow IPC file writer (not the streaming format), or re-copy it',
      });
    }
  } finally {
    closeSync(fd);
  }
}
