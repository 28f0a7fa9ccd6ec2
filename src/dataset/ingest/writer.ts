/**
 * Bulk writer for one dataset version's tables. Params are INSERT OR IGNORE: job_params is a
 * relation keyed (row_id, key, value), so a pair repeated verbatim in one row is stored once. Rows are bound many at a time through
 * multi-row prepared INSERTs (one native call per 64 jobs / 256 params instead of one per
 * row), inside the ingest's single transaction; indexes are built after the load.
 */
import type { Db } from '../store.ts';
import { JOB_COLUMNS, jobsTable, paramsTable } from '../store.ts';

const JOB_ROWS = 64;
const PARAM_ROWS = 256;
const WIDTH = JOB_COLUMNS.length;

type Value = string | number | null;
interface Stmt {
  run(params: Value[]): unknown;
}

export class DatasetWriter {
  private readonly jobsMany: Stmt;
  private readonly jobsOne: Stmt;
  private readonly paramsMany: Stmt;
  private readonly paramsOne: Stmt;
  private readonly jobBuf: Value[] = new Array<Value>(JOB_ROWS * WIDTH);
  private jobN = 0;
  private readonly paramBuf: Value[] = new Array<Value>(PARAM_ROWS * 3);
  private paramN = 0;
  rows = 0;
  params = 0;

  constructor(db: Db, datasetId: number) {
    const j = jobsTable(datasetId);
    const p = paramsTable(datasetId);
    const tuple = `(${JOB_COLUMNS.map(() => '?').join(',')})`;
    const prep = (sql: string): Stmt => {
      const s = db.prepare(sql);
      return { run: (params) => s.run(params) };
    };
    this.jobsMany = prep(`INSERT INTO ${j} VALUES ${new Array(JOB_ROWS).fill(tuple).join(',')}`);
    this.jobsOne = prep(`INSERT INTO ${j} VALUES ${tuple}`);
    this.paramsMany = prep(`INSERT OR IGNORE INTO ${p} (row_id, key, value) VALUES ${new Array(PARAM_ROWS).fill('(?,?,?)').join(',')}`);
    this.paramsOne = prep(`INSERT OR IGNORE INTO ${p} (row_id, key, value) VALUES (?,?,?)`);
  }

  /** `vals` is in JOB_COLUMNS order; it is copied, so the caller may reuse it. */
  addJob(vals: readonly Value[]): void {
    const base = this.jobN * WIDTH;
    for (let i = 0; i < WIDTH; i++) this.jobBuf[base + i] = vals[i]!;
    this.rows++;
    if (++this.jobN === JOB_ROWS) {
      this.jobsMany.run(this.jobBuf);
      this.jobN = 0;
    }
  }

  addParam(rowId: number, key: string, value: string): void {
    const base = this.paramN * 3;
    this.paramBuf[base] = rowId;
    this.paramBuf[base + 1] = key;
    this.paramBuf[base + 2] = value;
    this.params++;
    if (++this.paramN === PARAM_ROWS) {
      this.paramsMany.run(this.paramBuf);
      this.paramN = 0;
    }
  }

  flush(): void {
    for (let r = 0; r < this.jobN; r++) this.jobsOne.run(this.jobBuf.slice(r * WIDTH, (r + 1) * WIDTH));
    this.jobN = 0;
    for (let r = 0; r < this.paramN; r++) this.paramsOne.run(this.paramBuf.slice(r * 3, r * 3 + 3));
    this.paramN = 0;
  }
}
