/**
 * Merging the shard reports of one matrix into one run report per cell, equal to what one machine would have
 * written: a part's area-scoped checks come from the part that sent their area's probes; run-scoped checks judged
 * every part's answers, and their verdicts combine as over one run (the worst wins, skip only when nothing was
 * judged). Exchanges are renumbered across parts and findings point at the new numbers. Reports only merge when
 * their format versions are the ones this tool writes. Pure apart from the error it throws.
 */
import { checks as registry } from '../checks/registry.ts';
import { isRecord } from '../core/json.ts';
import type { Area, Depth, Verdict } from '../core/vocabulary.ts';
import { assembleReport, type RunFacts } from '../engine/assemble.ts';
import { PREFLIGHT_BUDGET, runBudget } from '../engine/budget.ts';
import { notRun } from '../engine/evaluate.ts';
import { applyExpectations } from '../engine/expectations.ts';
import { type CheckResult, type FindingRecord, type ProxyReport, REPORT_SCHEMA_VERSION, type RunReport } from '../engine/result.ts';
import { JUDGED_ELSEWHERE } from '../engine/run.ts';
import { combineVerdicts } from '../engine/verdict.ts';
import { ToolError } from '../run/errors.ts';
import { type CellRecord, MATRIX_SCHEMA_VERSION, type MatrixReport } from './result.ts';

export interface ShardInput {
  /** Where the report was read, for messages. */
  file: string;
  report: MatrixReport;
}

export interface MergedCell {
  record: CellRecord;
  report: RunReport;
}

export interface MergedMatrix {
  config: string;
  startedAt: string;
  endedAt: string;
  shards: number;
  cells: MergedCell[];
}

const bad = (message: string): ToolError => new ToolError('CC_BAD_FLAG', message);

/** A shard's report.json, checked for what merging relies on; anything else is one clear error. */
export function parseShardReport(text: string, file: string): MatrixReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(`${file} is not JSON`);
  }
  if (!isRecord(value) || !isRecord(value['tool']) || value['tool']['name'] !== 'chat-conformance' || value['kind'] !== 'matrix') {
    throw bad(`${file} is not the report.json of a matrix shard (run --config FILE --shard i/n writes one)`);
  }
  if (value['schemaVersion'] !== MATRIX_SCHEMA_VERSION) {
    throw bad(
      `${file} has matrix report schema version ${JSON.stringify(value['schemaVersion'])}; this tool merges version ${MATRIX_SCHEMA_VERSION} (merge with the tool version that wrote it)`,
    );
  }
  if (!isRecord(value['shard'])) throw bad(`${file} is a merged matrix report, not a shard's; merge reads what each shard wrote`);
  if (!Array.isArray(value['cells'])) throw bad(`${file} lacks the cells of a matrix report`);
  for (const cell of value['cells']) {
    const report = isRecord(cell) ? cell['report'] : undefined;
    if (report !== undefined && (!isRecord(report) || report['schemaVersion'] !== REPORT_SCHEMA_VERSION)) {
      const found = isRecord(report) ? JSON.stringify(report['schemaVersion']) : 'none';
      throw bad(`${file} holds a run report of schema version ${found}; this tool merges version ${REPORT_SCHEMA_VERSION}`);
    }
  }
  return value as unknown as MatrixReport;
}

const keyOf = (cell: Pick<CellRecord, 'target' | 'model'>): string => `${cell.target}/${cell.model}`;

/** Findings of several parts, repeats counted once with their occurrences summed; the first keeps its evidence. */
function mergeFindings(lists: ReadonlyArray<readonly FindingRecord[]>): FindingRecord[] {
  const out: FindingRecord[] = [];
  for (const list of lists) {
    for (const finding of list) {
      const same = out.find((f) => f.key === finding.key && f.verdict === finding.verdict);
      if (same) same.occurrences += finding.occurrences;
      else out.push({ ...finding });
    }
  }
  return out;
}

function mergeCheck(results: ReadonlyArray<CheckResult | undefined>, offsets: readonly number[], missing: string | undefined): CheckResult {
  const present = results.filter((r): r is CheckResult => r !== undefined);
  const first = present[0]!;
  const judged = results.map((r, i) => ({ r, offset: offsets[i] ?? 0 })).filter(({ r }) => r !== undefined && r.verdict !== 'not-run');
  if (judged.length === 0) {
    const own = present.find((r) => r.skipReason !== JUDGED_ELSEWHERE);
    if (own) return structuredClone(own);
    return { ...structuredClone(first), skipReason: missing ?? JUDGED_ELSEWHERE };
  }
  const verdict = combineVerdicts(judged.map(({ r }) => r!.verdict as Verdict));
  const findings = mergeFindings(
    judged.map(({ r, offset }) => r!.findings.map((f) => (f.exchangeId === undefined ? f : { ...f, exchangeId: f.exchangeId + offset }))),
  );
  const merged: CheckResult = { ...structuredClone(first), verdict, findings, evaluated: judged.reduce((n, { r }) => n + r!.evaluated, 0) };
  delete merged.skipReason;
  const reason = judged.find(({ r }) => r!.verdict === 'skip' && r!.skipReason)?.r?.skipReason;
  if (verdict === 'skip' && reason) merged.skipReason = reason;
  return merged;
}

/** The proxy sections of a proxy cell's parts as one, their rows pointing at the renumbered exchanges. */
function mergeProxy(parts: readonly RunReport[], offsets: readonly number[]): ProxyReport | undefined {
  const present = parts.flatMap((p, i) => (p.proxy ? [{ proxy: p.proxy, offset: offsets[i] ?? 0 }] : []));
  const first = present[0]?.proxy;
  if (!first) return undefined;
  const shift = <T extends { exchangeId?: number }>(rows: readonly T[], offset: number): T[] =>
    rows.map((r) => (r.exchangeId === undefined ? r : { ...r, exchangeId: r.exchangeId + offset }));
  return {
    mode: first.mode,
    upstream: first.upstream,
    fields: present.flatMap(({ proxy, offset }) => shift(proxy.fields, offset)),
    answers: present.flatMap(({ proxy, offset }) => shift(proxy.answers, offset)),
    differences: present.flatMap(({ proxy, offset }) => shift(proxy.differences, offset)),
  };
}

/** The report of a cell no part ran: every check not run, for the reason given. */
function unrunReport(record: CellRecord, reason: string, at: { startedAt: string; endedAt: string }, version: string): RunReport {
  const facts: RunFacts = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'chat-conformance', version },
    target: record.url,
    embedded: record.url.startsWith('embedded'),
    model: record.model,
    profile: record.profile,
    depth: record.depth,
    seed: record.seed,
    startedAt: at.startedAt,
    endedAt: at.endedAt,
    complete: false,
    incompleteReason: reason,
    budget: { requestLimit: PREFLIGHT_BUDGET, requests: 0, retries: 0, tokens: { prompt: 0, completion: 0 } },
    boundaries: [],
    exchanges: [],
    signalled: false,
  };
  return assembleReport(
    facts,
    registry.map((check) => notRun(check, reason)),
  );
}

/** One cell's parts as one run report. */
export function mergeParts(
  record: CellRecord,
  parts: readonly RunReport[],
  ran: readonly Area[],
  at: { startedAt: string; endedAt: string },
  version: string,
): RunReport {
  const left = record.areas.filter((a) => !ran.includes(a));
  const lost =
    left.length === record.areas.length
      ? 'the shard that runs this cell wrote no report'
      : `the shard that sends ${left.join(', ')} wrote no report`;
  const missing = record.refused ?? (left.length > 0 ? lost : undefined);
  if (parts.length === 0) return unrunReport(record, missing ?? 'not run', at, version);
  if (parts.length === 1 && missing === undefined) return structuredClone(parts[0]!);
  const offsets: number[] = [];
  let total = 0;
  for (const part of parts) {
    offsets.push(total);
    total += part.exchanges.length;
  }
  const ids = [...new Set(parts.flatMap((p) => p.checks.map((c) => c.id)))];
  const checks = ids.map((id) =>
    mergeCheck(
      parts.map((p) => p.checks.find((c) => c.id === id)),
      offsets,
      missing,
    ),
  );
  const first = parts[0]!;
  const incompleteReason = missing ?? parts.find((p) => !p.complete)?.incompleteReason;
  const judgedAreas = [...new Set(checks.filter((c) => c.verdict !== 'not-run').map((c) => c.area))];
  const sum = (f: (r: RunReport) => number): number => parts.reduce((n, p) => n + f(p), 0);
  const proxy = mergeProxy(parts, offsets);
  const facts: RunFacts = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: first.tool,
    target: first.target,
    embedded: first.embedded,
    model: first.model,
    profile: first.profile,
    depth: first.depth,
    seed: first.seed,
    startedAt: parts.map((p) => p.startedAt).sort()[0]!,
    endedAt: parts
      .map((p) => p.endedAt)
      .sort()
      .at(-1)!,
    complete: incompleteReason === undefined && parts.every((p) => p.complete),
    budget: {
      requestLimit:
        (judgedAreas.length > 0 ? runBudget(first.depth as Depth, judgedAreas) : PREFLIGHT_BUDGET) +
        (proxy?.mode === 'differential' ? 1 : 0),
      requests: sum((p) => p.budget.requests),
      retries: sum((p) => p.budget.retries),
      tokens: { prompt: sum((p) => p.budget.tokens.prompt), completion: sum((p) => p.budget.tokens.completion) },
    },
    boundaries: parts.flatMap((p) => p.boundaries),
    ...(proxy ? { proxy } : {}),
    exchanges: parts.flatMap((p, i) => p.exchanges.map((e) => ({ ...e, id: e.id + (offsets[i] ?? 0) }))),
    signalled: parts.some((p) => p.exitCode === 130),
  };
  if (incompleteReason !== undefined) facts.incompleteReason = incompleteReason;
  return assembleReport(facts, checks);
}

/** Every shard's report → one run report per cell, with its expectations applied. */
export function mergeShards(inputs: readonly ShardInput[], version: string): MergedMatrix {
  if (inputs.length === 0) throw bad('merge found no shard report.json');
  const counts = new Set(inputs.map((i) => i.report.shard?.count));
  if (counts.size > 1)
    throw bad(
      `the shard reports disagree on the number of shards (${inputs.map((i) => `${i.file}: ${i.report.shard?.index}/${i.report.shard?.count}`).join(', ')})`,
    );
  const byIndex = new Map<number, string>();
  for (const { file, report } of inputs) {
    const index = report.shard?.index ?? 0;
    const seen = byIndex.get(index);
    if (seen) throw bad(`${seen} and ${file} are both shard ${index}/${report.shard?.count}`);
    byIndex.set(index, file);
  }
  const times = {
    startedAt: inputs.map((i) => i.report.startedAt).sort()[0]!,
    endedAt: inputs
      .map((i) => i.report.endedAt)
      .sort()
      .at(-1)!,
  };
  const records = new Map<string, CellRecord>();
  for (const { report } of inputs) {
    for (const cell of report.cells) if (!records.has(keyOf(cell))) records.set(keyOf(cell), cell);
  }
  const cells = [...records.entries()].map(([key, template]): MergedCell => {
    const sides = inputs.flatMap(({ report }) => report.cells.filter((c) => keyOf(c) === key && c.report !== undefined));
    const ran = [...new Set(sides.flatMap((c) => c.ran))];
    const { report: _report, ...record } = template;
    const expectations = sides.find((c) => c.expectations)?.expectations ?? template.expectations;
    if (expectations) record.expectations = expectations;
    const report = mergeParts(
      record,
      sides.map((c) => c.report!),
      ran,
      times,
      version,
    );
    if (expectations) applyExpectations(report, expectations.checks, expectations.file);
    return { record: { ...record, ran: record.areas.filter((a) => ran.includes(a)) }, report };
  });
  return { config: inputs[0]!.report.config, ...times, shards: [...counts][0] ?? 1, cells };
}
