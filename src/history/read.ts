/**
 * The runs kept under a report folder: every `<run>/report.json` below it (the `latest/` copies aside), each
 * reduced to what a history shows, grouped by the folder its runs are kept in (one cell of a matrix, or the
 * report folder of single runs). Reports this tool cannot read are passed over and counted.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { isRecord } from '../core/json.ts';
import type { CheckVerdict } from '../core/vocabulary.ts';
import { REPORT_SCHEMA_VERSION, type RunReport } from '../engine/result.ts';
import { LATEST_DIR } from '../report/write.ts';

export interface StoredRun {
  /** The run's folder, relative to the history folder, with `/` separators. */
  folder: string;
  /** The folder its runs are kept in, relative to the history folder (`.` for the folder itself). */
  series: string;
  kind: 'run' | 'matrix';
  startedAt: string;
  seed: number;
  target: string;
  /** The embedded reference listens on a fresh port each run; its runs are one subject whatever the URL. */
  embedded: boolean;
  model: string;
  complete: boolean;
  /** check id → verdict, in report order. */
  verdicts: Map<string, CheckVerdict>;
  /** Median time to first byte and median total time of the run's exchanges. */
  firstByteMs?: number;
  totalMs?: number;
  tokens: number;
}

export interface StoredRuns {
  runs: StoredRun[];
  /** report.json files that could not be read as reports of this tool's format. */
  unreadable: string[];
}

const SEARCH_DEPTH = 5;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const slashed = (path: string): string => path.split(sep).join('/') || '.';

/** A report.json's text as a stored run; undefined when it is not one this tool reads. */
export function storedRun(text: string, folder: string): StoredRun | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !isRecord(value['tool']) || value['tool']['name'] !== 'chat-conformance') return undefined;
  const series = slashed(dirname(folder));
  if (value['kind'] === 'matrix') {
    if (typeof value['startedAt'] !== 'string' || value['shard'] !== undefined) return undefined;
    return {
      folder,
      series,
      kind: 'matrix',
      startedAt: value['startedAt'],
      seed: 0,
      target: '',
      embedded: false,
      model: '',
      complete: value['complete'] === true,
      verdicts: new Map(),
      tokens: 0,
    };
  }
  if (value['schemaVersion'] !== REPORT_SCHEMA_VERSION || !Array.isArray(value['checks']) || typeof value['startedAt'] !== 'string')
    return undefined;
  const report = value as unknown as RunReport;
  const exchanges = Array.isArray(report.exchanges) ? report.exchanges : [];
  const run: StoredRun = {
    folder,
    series,
    kind: 'run',
    startedAt: report.startedAt,
    seed: Number(report.seed),
    target: String(report.target),
    embedded: report.embedded === true,
    model: String(report.model),
    complete: report.complete === true,
    verdicts: new Map(report.checks.map((c) => [String(c.id), c.verdict])),
    tokens: (report.budget?.tokens?.prompt ?? 0) + (report.budget?.tokens?.completion ?? 0),
  };
  const firstByte = median(exchanges.flatMap((e) => (typeof e.firstByteMs === 'number' ? [e.firstByteMs] : [])));
  const total = median(exchanges.flatMap((e) => (typeof e.totalMs === 'number' && !e.error ? [e.totalMs] : [])));
  if (firstByte !== undefined) run.firstByteMs = firstByte;
  if (total !== undefined) run.totalMs = total;
  return run;
}

export async function readRuns(dir: string): Promise<StoredRuns> {
  const found: StoredRuns = { runs: [], unreadable: [] };
  const visit = async (at: string, depth: number): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.isFile() && e.name === 'report.json') && at !== dir) {
      const folder = slashed(relative(dir, at));
      const run = storedRun(await readFile(join(at, 'report.json'), 'utf8'), folder);
      if (run) found.runs.push(run);
      else found.unreadable.push(join(at, 'report.json'));
      return;
    }
    if (depth >= SEARCH_DEPTH) return;
    const folders = entries.filter((e) => e.isDirectory() && e.name !== LATEST_DIR && !e.name.startsWith('.'));
    await Promise.all(folders.map((e) => visit(join(at, e.name), depth + 1)));
  };
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    return found;
  await visit(dir, 0);
  found.runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.folder.localeCompare(b.folder));
  return found;
}
