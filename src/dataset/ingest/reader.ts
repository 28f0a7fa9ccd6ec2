/** What every input reader hands the ingest: a header, then rows of cells with their source line. */
export type Cell = string | number | null;

export interface RowSink {
  /** Column names in source order (called once, before any row). */
  header(columns: readonly string[]): void;
  /** A column that first appears after the header (JSONL objects may grow new keys). */
  addColumn(name: string, line: number): void;
  /**
   * One row, cells aligned with the columns announced so far (shorter arrays mean null).
   * Strings are raw text; numbers are epoch ms for time columns (Arrow timestamps) or plain
   * numbers elsewhere. The array may be reused by the reader after the call returns.
   */
  row(cells: readonly Cell[], line: number): void;
}

export interface ReadProgress {
  (bytesRead: number): void;
}

export interface SourceDigest {
  /** sha256 of the file's bytes (datasets.source_sha256). */
  sha256: string;
}
