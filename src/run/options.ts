/**
 * `run` flags and their environment variables, resolved into a RunConfig. Every problem is one ToolError line.
 */

import { checks, findCheck, isSelected } from '../checks/registry.ts';
import type { Limits } from '../core/limits.ts';
import type { RunConfig } from '../core/run-config.ts';
import { AREAS, type Area, DEPTHS, type Depth, PROFILES, type Profile } from '../core/vocabulary.ts';
import { ToolError } from './errors.ts';
import { parseFlags } from './flags.ts';

/** Flag name → environment variable that supplies it when the flag is absent. */
export const FLAG_ENV = {
  target: 'CONFORMANCE_TARGET',
  model: 'CONFORMANCE_MODEL',
  'api-key-env': 'CONFORMANCE_API_KEY_ENV',
  profile: 'CONFORMANCE_PROFILE',
  depth: 'CONFORMANCE_DEPTH',
  seed: 'CONFORMANCE_SEED',
  path: 'CONFORMANCE_PATH',
  concurrency: 'CONFORMANCE_CONCURRENCY',
  'timeout-ms': 'CONFORMANCE_TIMEOUT_MS',
  'max-bytes': 'CONFORMANCE_MAX_BYTES',
  only: 'CONFORMANCE_ONLY',
  skip: 'CONFORMANCE_SKIP',
  header: 'CONFORMANCE_HEADERS',
  'report-dir': 'CONFORMANCE_REPORT_DIR',
  baseline: 'CONFORMANCE_BASELINE',
  'reasoning-model': 'CONFORMANCE_REASONING_MODEL',
  'thinking-model': 'CONFORMANCE_THINKING_MODEL',
  expectations: 'CONFORMANCE_EXPECTATIONS',
  config: 'CONFORMANCE_CONFIG',
  'only-target': 'CONFORMANCE_ONLY_TARGET',
  shard: 'CONFORMANCE_SHARD',
} as const;

/** Settings a matrix config gives (per target, or for the whole matrix); as flags they would be ambiguous beside --config. */
const PER_TARGET_FLAGS = [
  'target',
  'model',
  'api-key-env',
  'profile',
  'depth',
  'seed',
  'path',
  'only',
  'skip',
  'header',
  'baseline',
  'timeout-ms',
  'max-bytes',
  'concurrency',
  'reasoning-model',
  'thinking-model',
  'deterministic',
] as const;

const STRING_FLAGS = Object.keys(FLAG_ENV) as Array<keyof typeof FLAG_ENV>;
const REPEATABLE = new Set(['only', 'skip', 'header', 'only-target']);

export const DEFAULT_API_KEY_ENV = 'CONFORMANCE_API_KEY';
export const DEFAULT_REASONING_MODELS = {
  separateReasoning: 'deepseek/deepseek-r1-turbo',
  enableThinking: 'zai-org/glm-4.5',
};

/** Part `index` of `count` of a matrix (1-based), from `--shard i/n`. */
export interface Shard {
  index: number;
  count: number;
}

/** `i/n` → { index, count }; undefined when the text is not one with 1 ≤ i ≤ n. */
export function parseShard(text: string): Shard | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return index >= 1 && index <= count && count <= 256 ? { index, count } : undefined;
}

export interface MatrixRequest {
  config: string;
  onlyTargets: string[];
  shard?: Shard;
}

export interface ParsedRun {
  config: Omit<RunConfig, 'model' | 'target' | 'embedded'> & { model?: string; target?: string };
  help: boolean;
  verbose: boolean;
  color?: boolean;
  /** report.json of an earlier run to compare with; without it, the previous run in the report folder. */
  baseline?: string;
  /** Expectations file (a folder of them with --config): only unexpected results fail the run. */
  expectations?: string;
  /** Write the expectations from this run, or tighten them with its progress. */
  expectationsUpdate?: 'write' | 'tighten';
  /** `--config`: run a matrix of targets instead. */
  matrix?: MatrixRequest;
  /** --report-dir was given (a matrix config names its own folder otherwise). */
  reportDirGiven: boolean;
}

function integer(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new ToolError('CC_BAD_FLAG', `--${flag} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ToolError('CC_BAD_FLAG', `--${flag} must be between ${min} and ${max}, got ${raw}`);
  return value;
}

function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ToolError('CC_BAD_FLAG', `--${flag} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** Accepts the OpenAI SDK baseURL convention (…/v1) or the full …/chat/completions URL; returns the base URL. */
export function normaliseTarget(raw: string, flag = '--target'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolError('CC_BAD_TARGET', `${flag} is not a URL: "${raw}" (expected e.g. https://api.example.com/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolError('CC_BAD_TARGET', `${flag} must be an http(s) URL, got ${url.protocol}//…`);
  }
  if (url.username || url.password) {
    throw new ToolError('CC_BAD_TARGET', `${flag} must not carry credentials; put the key in the environment (see --api-key-env)`);
  }
  if (url.search) {
    throw new ToolError('CC_BAD_TARGET', `${flag} must not carry a query string ("${url.search}"); requests go to <URL>/chat/completions`);
  }
  url.hash = '';
  return url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\/chat\/completions$/, '');
}

function headerPairs(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    const name = colon > 0 ? value.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new ToolError('CC_BAD_FLAG', `--header must read 'Name: value', got "${value}"`);
    }
    headers[name.toLowerCase()] = value.slice(colon + 1).trim();
  }
  return headers;
}

function selection(flag: string, values: readonly string[]): string[] {
  const items = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!AREAS.includes(item as Area) && !findCheck(item)) {
      throw new ToolError('CC_BAD_FLAG', `--${flag} names "${item}", which is neither an area (${AREAS.join(', ')}) nor a check id`);
    }
  }
  return items;
}

/**
 * The per-request bounds from one deadline. The headers and silence bounds sit below the total deadline, so a
 * target that never answers or stalls mid-stream is reported as such rather than as merely slow.
 */
export function limitsFor(timeoutMs: number, maxBytes: number): Limits {
  return {
    connectMs: Math.min(timeoutMs, 10_000),
    headersMs: Math.round(timeoutMs * 0.75),
    idleMs: Math.min(Math.round(timeoutMs / 2), 30_000),
    totalMs: timeoutMs,
    maxBytes,
  };
}

function expectationFlags(
  values: Record<string, unknown>,
  file: string | undefined,
): Pick<ParsedRun, 'expectations' | 'expectationsUpdate'> {
  const write = values['write-expectations'] === true;
  const tighten = values['update-expectations'] === true;
  if (write && tighten) throw new ToolError('CC_BAD_FLAG', '--write-expectations and --update-expectations cannot be combined');
  return {
    ...(file !== undefined ? { expectations: file } : {}),
    ...(write ? { expectationsUpdate: 'write' as const } : tighten ? { expectationsUpdate: 'tighten' as const } : {}),
  };
}

function matrixRequest(
  values: Record<string, unknown>,
  config: string | undefined,
  onlyTargets: string[],
  shardText: string | undefined,
): MatrixRequest | undefined {
  if (config === undefined) {
    if (onlyTargets.length > 0) throw new ToolError('CC_BAD_FLAG', '--only-target picks targets of a matrix: it needs --config FILE');
    if (shardText !== undefined) throw new ToolError('CC_BAD_FLAG', '--shard splits a matrix: it needs --config FILE');
    return undefined;
  }
  const clash = PER_TARGET_FLAGS.find((flag) => values[flag] !== undefined);
  if (clash) throw new ToolError('CC_BAD_FLAG', `--${clash} cannot be combined with --config: the config gives each target its settings`);
  const request: MatrixRequest = { config, onlyTargets };
  if (shardText !== undefined) {
    const shard = parseShard(shardText);
    if (!shard) throw new ToolError('CC_BAD_FLAG', `--shard must read i/n with 1 ≤ i ≤ n (e.g. 2/3), got "${shardText}"`);
    request.shard = shard;
  }
  return request;
}

/** `proxy`: the run is a proxy run (`chat-conformance proxy`), the only kind that may name the proxy area. */
export function parseRunArgs(args: readonly string[], env: NodeJS.ProcessEnv, kind: { proxy?: boolean } = {}): ParsedRun {
  const parsed = parseFlags({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      ...Object.fromEntries(
        STRING_FLAGS.map((f) => [f, { type: 'string' as const, ...(REPEATABLE.has(f) ? { multiple: true as const } : {}) }]),
      ),
      help: { type: 'boolean', short: 'h' },
      color: { type: 'boolean' },
      deterministic: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      'write-expectations': { type: 'boolean' },
      'update-expectations': { type: 'boolean' },
    },
  });
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const text = (flag: keyof typeof FLAG_ENV): string | undefined => {
    const value = values[flag];
    if (typeof value === 'string') return value;
    const fromEnv = env[FLAG_ENV[flag]];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const list = (flag: 'only' | 'skip' | 'header' | 'only-target', separator: RegExp): string[] => {
    const value = values[flag];
    if (Array.isArray(value)) return value;
    const fromEnv = env[FLAG_ENV[flag]];
    return fromEnv ? fromEnv.split(separator).filter((s) => s.trim() !== '') : [];
  };

  const timeoutMs = integer('timeout-ms', text('timeout-ms') ?? '60000', 100, 3_600_000);
  const maxBytes = integer('max-bytes', text('max-bytes') ?? String(8 * 1024 * 1024), 1024);
  const seedText = text('seed');
  const target = text('target');
  const model = text('model');
  const path = text('path');
  const config: ParsedRun['config'] = {
    apiKeyEnv: text('api-key-env') ?? DEFAULT_API_KEY_ENV,
    profile: oneOf<Profile>('profile', text('profile') ?? 'documented', PROFILES),
    depth: oneOf<Depth>('depth', text('depth') ?? 'standard', DEPTHS),
    seed: seedText === undefined ? Math.floor(Math.random() * 2 ** 31) : integer('seed', seedText, -(2 ** 31), 2 ** 31 - 1),
    concurrency: integer('concurrency', text('concurrency') ?? '4', 1, 64),
    limits: limitsFor(timeoutMs, maxBytes),
    only: selection('only', list('only', /[,\s]+/)),
    skip: selection('skip', list('skip', /[,\s]+/)),
    headers: headerPairs(list('header', /\n/)),
    reportDir: text('report-dir') ?? 'reports',
    deterministic: values['deterministic'] === true || /^(1|true|yes)$/i.test(env['CONFORMANCE_DETERMINISTIC'] ?? ''),
    reasoningModels: {
      separateReasoning: text('reasoning-model') ?? DEFAULT_REASONING_MODELS.separateReasoning,
      enableThinking: text('thinking-model') ?? DEFAULT_REASONING_MODELS.enableThinking,
    },
  };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(config.apiKeyEnv)) {
    throw new ToolError('CC_BAD_FLAG', `--api-key-env must name an environment variable, got "${config.apiKeyEnv}"`);
  }
  const proxyNamed = config.only.find((item) => item === 'proxy' || findCheck(item)?.area === 'proxy');
  if (!kind.proxy && proxyNamed !== undefined) {
    throw new ToolError(
      'CC_BAD_FLAG',
      `--only names ${proxyNamed}, which runs against a proxy: use chat-conformance proxy --target=<proxy>`,
    );
  }
  if (!checks.some((c) => isSelected(c, config.only, config.skip))) {
    throw new ToolError('CC_BAD_FLAG', '--only and --skip together leave no check to run');
  }
  if (path !== undefined) {
    if (!/^\d+(:\d+)*$/.test(path)) throw new ToolError('CC_BAD_FLAG', `--path must read like 3:1:0, got "${path}"`);
    if (seedText === undefined)
      throw new ToolError('CC_BAD_FLAG', '--path replays a counterexample and needs the --seed it was found with');
    if (config.only.length === 0) throw new ToolError('CC_BAD_FLAG', '--path replays one property: name its check with --only');
    config.replayPath = path;
  }
  if (target !== undefined) config.target = normaliseTarget(target);
  if (model !== undefined) config.model = model;
  const result: ParsedRun = {
    config,
    help: values['help'] === true,
    verbose: values['verbose'] === true,
    reportDirGiven: text('report-dir') !== undefined,
  };
  const baseline = text('baseline');
  if (baseline !== undefined) result.baseline = baseline;
  Object.assign(result, expectationFlags(values, text('expectations')));
  const matrix = matrixRequest(values, text('config'), list('only-target', /[,\s]+/), text('shard'));
  if (matrix) result.matrix = matrix;
  if (!matrix && result.expectationsUpdate && result.expectations === undefined) {
    throw new ToolError(
      'CC_BAD_FLAG',
      `--${result.expectationsUpdate === 'write' ? 'write' : 'update'}-expectations needs --expectations FILE`,
    );
  }
  if (values['color'] === true) result.color = true;
  if (values['no-color'] === true) result.color = false;
  return result;
}
