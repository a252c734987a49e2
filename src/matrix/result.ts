/**
 * The matrix report, as data. A shard writes one with the run reports of the parts it ran embedded (so `merge`
 * needs nothing but these files); the merged matrix report lists every cell with its outcome and the folder of its
 * own reports. Format version MATRIX_SCHEMA_VERSION; the embedded run reports carry their own.
 */
import type { ProxySetup } from '../core/upstream.ts';
import type { Area, Depth, Profile } from '../core/vocabulary.ts';
import type { ModelExpectations } from '../engine/expectations.ts';
import type { ExpectationsOutcome, RunReport } from '../engine/result.ts';
import type { Shard } from './plan.ts';

export const MATRIX_SCHEMA_VERSION = 1;

export interface CellRecord {
  target: string;
  model: string;
  /** Base URL tested, or `embedded`, `embedded:fault/NAME`, `embedded:variant/NAME`. */
  url: string;
  profile: Profile;
  depth: Depth;
  seed: number;
  /** A proxy target: how its proxy runs are set up (each run report has the proxy section). */
  proxy?: ProxySetup;
  /** Areas the cell's selection covers. */
  areas: Area[];
  /** Areas this report ran: all of them for a whole cell, some in a shard's part, none when another shard ran it. */
  ran: Area[];
  /** Why the cell was not run at all. */
  refused?: string;
  /** The expectations of this target and model, as the shard read them. */
  expectations?: { file: string; checks: ModelExpectations };
  /** A shard's report: the run report of the part it ran. */
  report?: RunReport;
  /** A merged report: the cell's outcome and where its reports are, relative to the report folder. */
  outcome?: {
    totals: RunReport['totals'];
    exitCode: RunReport['exitCode'];
    complete: boolean;
    incompleteReason?: string;
    expectations?: ExpectationsOutcome;
    folder: string;
  };
}

export interface MatrixReport {
  schemaVersion: typeof MATRIX_SCHEMA_VERSION;
  kind: 'matrix';
  tool: { name: 'chat-conformance'; version: string };
  /** The config file the matrix was read from. */
  config: string;
  startedAt: string;
  endedAt: string;
  /** Present in a shard's report: which part of the matrix it ran. */
  shard?: Shard;
  complete: boolean;
  /** 1 when a cell failed (unexpectedly, where expectations apply) or could not finish; 130 interrupted. */
  exitCode: 0 | 1 | 130;
  /** Checks per verdict over every cell. */
  totals: RunReport['totals'];
  cells: CellRecord[];
}

/** A matrix report with the run report of each cell, in the order of `matrix.cells`: what renderers read. */
export interface MatrixView {
  matrix: MatrixReport;
  reports: RunReport[];
}
