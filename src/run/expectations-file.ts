/**
 * Expectations files on disk: read (a file that is not one is an invocation error), and, after a run, written from
 * it (`--write-expectations`) or tightened by its progress (`--update-expectations`), the report then judged
 * against what the file now says.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  applyExpectations,
  type ExpectationsFile,
  parseExpectations,
  recordExpectations,
  renderExpectations,
  tightenExpectations,
} from '../engine/expectations.ts';
import type { RunReport } from '../engine/result.ts';
import { ToolError } from './errors.ts';

export type ExpectationsUpdate = 'write' | 'tighten';

/** The file, or undefined when it does not exist and `optional` says that is fine. */
export async function readExpectationsFile(path: string, optional: boolean): Promise<ExpectationsFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && optional) return undefined;
    throw new ToolError(
      'CC_BAD_FLAG',
      `expectations file ${path} ${code === 'ENOENT' ? 'does not exist (create it with --write-expectations)' : `cannot be read (${code ?? 'unknown error'})`}`,
    );
  }
  const parsed = parseExpectations(text);
  if ('problem' in parsed) throw new ToolError('CC_BAD_FLAG', `expectations file ${path} ${parsed.problem}`);
  return parsed.file;
}

export async function writeExpectationsFile(path: string, file: ExpectationsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, renderExpectations(file), 'utf8');
  await rename(temp, path);
}

/**
 * Judges one run against its model's expectations, after updating them as asked; returns the file as it now
 * stands (unchanged when nothing was asked) and a line saying what changed.
 */
export function settleExpectations(
  report: RunReport,
  update: ExpectationsUpdate | undefined,
  existing: ExpectationsFile | undefined,
  path: string,
  target: string,
): { file: ExpectationsFile | undefined; note?: string } {
  const before = existing?.models[report.model];
  if (update === 'write') {
    const checks = recordExpectations(report, before);
    const file: ExpectationsFile = { target: existing?.target ?? target, models: { ...existing?.models, [report.model]: checks } };
    applyExpectations(report, checks, path);
    const failing = Object.values(checks).filter((e) => e.verdict === 'fail').length;
    return { file, note: `wrote ${Object.keys(checks).length} expectations for ${report.model} (${failing} expected to fail) to ${path}` };
  }
  if (!existing || !before) {
    return { file: existing, ...(update === 'tighten' ? { note: `${path} has nothing for model ${report.model} to tighten` } : {}) };
  }
  // Judged against the file as it was, so this run's report shows its progress.
  applyExpectations(report, before, path);
  if (update !== 'tighten') return { file: existing };
  const { expectations, tightened } = tightenExpectations(report, before);
  const file: ExpectationsFile = { ...existing, models: { ...existing.models, [report.model]: expectations } };
  const changes = tightened.map((id) => `${id} fail → ${report.checks.find((c) => c.id === id)?.verdict}`);
  const note =
    changes.length > 0
      ? `tightened ${path} for ${report.model}: ${changes.join(', ')}`
      : `${path}: no progress to record for ${report.model}`;
  return { file, note };
}
