/**
 * Writes a finished (or interrupted) run's reports: one folder per run, named by start time and seed,
 * plus `latest/` holding a copy of the newest run. The only module here that touches the file system.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '../engine/result.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderSummary } from './summary.ts';

export interface WriteOptions {
  /** Values that must never appear in any written file. */
  secrets?: readonly string[];
}

export interface WrittenReports {
  runDir: string;
  /** Paths of the files in `runDir`. */
  files: string[];
}

export const LATEST_DIR = 'latest';

/** `2026-11-23T06:34:00.123Z` → `2026-11-23T06-34-00Z` (colons are not allowed in Windows file names). */
export function runStamp(startedAt: string): string {
  const time = Date.parse(startedAt);
  if (Number.isFinite(time))
    return new Date(time)
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/:/g, '-');
  return startedAt.replace(/[^0-9A-Za-z-]/g, '-') || 'unknown-start';
}

export function runDirName(report: RunReport): string {
  return `${runStamp(report.startedAt)}-${report.seed}`;
}

export function renderAll(report: RunReport, options: WriteOptions = {}): Array<[name: string, content: string]> {
  return [
    ['report.json', renderJson(report, options)],
    ['junit.xml', renderJunit(report, options)],
    ['summary.md', renderSummary(report, options)],
    ['report.html', renderHtml(report, options)],
  ];
}

const uniqueSuffix = (): string => `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

async function writeInto(dir: string, files: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    files.map(async ([name, content]) => {
      const path = join(dir, name);
      // Write then rename, so a reader never sees half a file (e.g. a CI step reading summary.md).
      const temp = join(dir, `.${name}.${uniqueSuffix()}`);
      await writeFile(temp, content, 'utf8');
      await rename(temp, path);
      return path;
    }),
  );
}

/**
 * Swaps a freshly written folder into place. Renaming over a non-empty folder fails on every common
 * platform, so the old copy is moved aside first (then removed); if even that fails, it is removed outright.
 */
async function replaceDir(fresh: string, target: string): Promise<void> {
  try {
    await rename(fresh, target);
    return;
  } catch {
    // `target` exists; fall through.
  }
  const aside = `${target}.old-${uniqueSuffix()}`;
  try {
    await rename(target, aside);
  } catch {
    await rm(target, { recursive: true, force: true });
  }
  await rename(fresh, target);
  await rm(aside, { recursive: true, force: true });
}

export async function writeReports(report: RunReport, reportDir: string, options: WriteOptions = {}): Promise<WrittenReports> {
  return writeRunFolder(reportDir, runDirName(report), renderAll(report, options));
}

/** Writes one run's files into `reportDir/name/` and swaps a copy in as `reportDir/latest/`. */
export async function writeRunFolder(
  reportDir: string,
  name: string,
  rendered: ReadonlyArray<readonly [string, string]>,
): Promise<WrittenReports> {
  const runDir = join(reportDir, name);
  const files = await writeInto(runDir, rendered);
  const staging = join(reportDir, `.${LATEST_DIR}-${uniqueSuffix()}`);
  try {
    await writeInto(staging, rendered);
    await replaceDir(staging, join(reportDir, LATEST_DIR));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { runDir, files };
}
