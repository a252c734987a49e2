/**
 * The same seeded, temperature-0 request answered straight by the upstream and through the proxy: every difference a
 * client could notice. Status, error fields, the shape of the answer (which fields it has), the usage chunk and
 * `[DONE]` must agree on any upstream; token counts, chunk counts and content only when the upstream is
 * deterministic, as sampling may differ between two requests otherwise. Pure.
 */
import type { Observation } from '../core/evidence.ts';
import { isRecord } from '../core/json.ts';
import { type Answer, answerOf, chunksOf } from './answers.ts';
import { errorBody, isStream, isSuccess, statusOf } from './guards.ts';
import { jsonEqual, shown } from './proxy-fields.ts';

export interface Difference {
  key: string;
  /** What differs: status, error, shape, usage, chunks, content. */
  aspect: string;
  direct: string;
  proxied: string;
  verdict: 'fail' | 'warn';
}

/** Every key path of a JSON value, array positions folded (`choices[].delta.content`). */
function paths(value: unknown, prefix: string, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) paths(item, `${prefix}[]`, into);
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      into.add(path);
      paths(item, path, into);
    }
  }
  return into;
}

const shapeOf = (o: Observation): Set<string> =>
  isStream(o) ? chunksOf(o).reduce((set, c) => paths(c.value, '', set), new Set<string>()) : paths(o.json, '', new Set());

const usageChunk = (o: Observation): boolean =>
  chunksOf(o).some((c) => isRecord(c.value['usage']) && Array.isArray(c.value['choices']) && c.value['choices'].length === 0);

const texts = (answer: Answer | undefined): string => JSON.stringify((answer?.choices ?? []).map((c) => [c.index, c.content, c.reasoning]));

export function differences(direct: Observation, proxied: Observation, deterministic: boolean): Difference[] {
  const out: Difference[] = [];
  const sampled = deterministic ? 'fail' : 'warn';
  const add = (key: string, aspect: string, a: unknown, b: unknown, verdict: 'fail' | 'warn') =>
    out.push({ key, aspect, direct: typeof a === 'string' ? a : shown(a), proxied: typeof b === 'string' ? b : shown(b), verdict });

  const a = statusOf(direct);
  const b = statusOf(proxied);
  if (a !== b) {
    add('status', 'status', a === undefined ? 'no answer' : `HTTP ${a}`, b === undefined ? 'no answer' : `HTTP ${b}`, 'fail');
    return out;
  }
  if (!isSuccess(a)) {
    const de = errorBody(direct);
    const pe = errorBody(proxied);
    for (const field of ['type', 'code', 'param'] as const) {
      if (!jsonEqual(de?.[field], pe?.[field]))
        add('error-field', `error.${field}`, de?.[field] ?? '(absent)', pe?.[field] ?? '(absent)', 'fail');
    }
    if (!jsonEqual(de?.message, pe?.message))
      add('error-message', 'error.message', de?.message ?? '(absent)', pe?.message ?? '(absent)', 'warn');
    return out;
  }
  if (isStream(direct) !== isStream(proxied)) {
    add('stream', 'shape', isStream(direct) ? 'a stream' : 'a JSON body', isStream(proxied) ? 'a stream' : 'a JSON body', 'fail');
    return out;
  }
  const shapeA = shapeOf(direct);
  const shapeB = shapeOf(proxied);
  const missing = [...shapeA].filter((p) => !shapeB.has(p));
  const extra = [...shapeB].filter((p) => !shapeA.has(p));
  if (missing.length > 0) add('shape-dropped', 'shape', missing.join(', '), '(absent)', 'fail');
  if (extra.length > 0) add('shape-added', 'shape', '(absent)', extra.join(', '), 'warn');

  const answerA = answerOf(direct);
  const answerB = answerOf(proxied);
  const count = (answer: Answer | undefined, field: string): unknown => (isRecord(answer?.usage) ? answer.usage[field] : undefined);
  if (!jsonEqual(count(answerA, 'prompt_tokens'), count(answerB, 'prompt_tokens'))) {
    add(
      'usage-prompt',
      'usage.prompt_tokens',
      count(answerA, 'prompt_tokens') ?? '(absent)',
      count(answerB, 'prompt_tokens') ?? '(absent)',
      'fail',
    );
  }
  if (!jsonEqual(count(answerA, 'completion_tokens'), count(answerB, 'completion_tokens'))) {
    add(
      'usage-completion',
      'usage.completion_tokens',
      count(answerA, 'completion_tokens') ?? '(absent)',
      count(answerB, 'completion_tokens') ?? '(absent)',
      sampled,
    );
  }
  if (isStream(direct) && isStream(proxied)) {
    if (usageChunk(direct) !== usageChunk(proxied)) {
      add('usage-chunk', 'usage chunk', usageChunk(direct) ? 'present' : 'absent', usageChunk(proxied) ? 'present' : 'absent', 'fail');
    }
    const doneA = direct.stream.framing.endedWithDone;
    const doneB = proxied.stream.framing.endedWithDone;
    if (doneA !== doneB) add('done', '[DONE]', doneA ? 'present' : 'absent', doneB ? 'present' : 'absent', 'fail');
    const chunksA = chunksOf(direct).length;
    const chunksB = chunksOf(proxied).length;
    if (chunksA !== chunksB) add('chunk-count', 'chunks', `${chunksA} chunks`, `${chunksB} chunks`, sampled);
  }
  if (texts(answerA) !== texts(answerB)) {
    const first = (answer: Answer | undefined) => answer?.choices[0]?.content ?? answer?.choices[0]?.reasoning ?? '(none)';
    add('content', 'content', first(answerA), first(answerB), sampled);
  }
  return out;
}
