/**
 * Runs store schema (namespace `runs` in the same SQLite file as the datasets). Results are
 * kept whole (result_json) so a report can be regenerated exactly; findings,
 * recommendations and signatures are also broken out for queries and novelty diffs.
 * Telemetry and timestamps live here and in manifest.json, never in hashed artifacts.
 */
import { migrate, type Db, type Migration } from '../dataset/index.ts';

export const RUNS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, plugin executions, findings, recommendations, signatures',
    up: `
      CREATE TABLE runs (
        id                  INTEGER PRIMARY KEY,
        dataset_id          INTEGER NOT NULL,
        dataset_fingerprint TEXT NOT NULL,
        dataset_info_json   TEXT NOT NULL,
        seed                INTEGER NOT NULL,
        plugin_ids_json     TEXT NOT NULL,
        plugin_ids_hash     TEXT NOT NULL,
        plugin_set_hash     TEXT NOT NULL,
        code_hash           TEXT NOT NULL,
        config_hash         TEXT NOT NULL,
        config_json         TEXT NOT NULL,
        known_issues_mode   TEXT NOT NULL CHECK (known_issues_mode IN ('on','off')),
        status              TEXT NOT NULL CHECK (status IN ('running','completed','failed')),
        failure             TEXT,
        harness_version     TEXT NOT NULL,
        out_dir             TEXT,
        started_at          TEXT NOT NULL,
        ended_at            TEXT
      );
      CREATE INDEX runs_reference ON runs(dataset_fingerprint, known_issues_mode, status, id);

      CREATE TABLE plugin_executions (
        run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        plugin_id         TEXT NOT NULL,
        plugin_version    TEXT NOT NULL,
        plugin_class      TEXT NOT NULL,
        access            TEXT NOT NULL,
        api_version       TEXT NOT NULL,
        source_file       TEXT NOT NULL,
        source_sha256     TEXT NOT NULL,
        status            TEXT NOT NULL,
        exit_reason       TEXT NOT NULL,
        reason            TEXT,
        result_json       TEXT NOT NULL,
        contract_violations_json TEXT NOT NULL,
        telemetry_json    TEXT NOT NULL,
        peak_rss_bytes    INTEGER NOT NULL,
        plugin_rss_bytes  INTEGER NOT NULL,
        wall_ms           INTEGER NOT NULL,
        cpu_ms            INTEGER NOT NULL,
        exit_code         INTEGER,
        signal            TEXT,
        stdout_tail       TEXT NOT NULL,
        stderr_tail       TEXT NOT NULL,
        logs_json         TEXT NOT NULL,
        PRIMARY KEY (run_id, plugin_id)
      );

      CREATE TABLE findings (
        run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        plugin_id    TEXT NOT NULL,
        ordinal      INTEGER NOT NULL,
        finding_id   TEXT NOT NULL,
        severity     TEXT NOT NULL,
        confidence   REAL NOT NULL,
        title        TEXT NOT NULL,
        measurement  TEXT NOT NULL,
        finding_json TEXT NOT NULL,
        PRIMARY KEY (run_id, plugin_id, ordinal)
      );

      CREATE TABLE recommendations (
        run_id                INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        plugin_id             TEXT NOT NULL,
        ordinal               INTEGER NOT NULL,
        kind                  TEXT,
        action_type           TEXT,
        where_json            TEXT,
        text                  TEXT,
        modeled_percent       REAL,
        modeled_delta_seconds REAL,
        modeled_basis         TEXT,
        not_modeled_reason    TEXT,
        scope                 TEXT,
        relevance             REAL,
        compliant             INTEGER NOT NULL,
        signature             TEXT,
        recommendation_json   TEXT NOT NULL,
        PRIMARY KEY (run_id, plugin_id, ordinal)
      );

      CREATE TABLE signatures (
        run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        signature   TEXT NOT NULL,
        plugin_id   TEXT NOT NULL,
        kind        TEXT NOT NULL,
        action_type TEXT NOT NULL,
        where_json  TEXT NOT NULL,
        text_hash   TEXT NOT NULL,
        PRIMARY KEY (run_id, signature)
      );
      CREATE INDEX signatures_plugin ON signatures(plugin_id, signature);
    `,
  },
  {
    version: 2,
    description: 'runs.runner_pid and runs.runner_host: detect runs whose process is gone',
    // NULL for runs recorded before this migration: their liveness cannot be told.
    up: `
      ALTER TABLE runs ADD COLUMN runner_pid INTEGER;
      ALTER TABLE runs ADD COLUMN runner_host TEXT;
    `,
  },
];

/** Create or upgrade the runs tables (idempotent). */
export function migrateRuns(db: Db): void {
  migrate(db, 'runs', RUNS_MIGRATIONS);
}
