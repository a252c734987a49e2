/**
 * chat-conformance.config.json: read, validated against the JSON Schema shipped beside this module, and resolved
 * into one settings record per target. The expectations folder is relative to the file (it is kept beside it); the
 * report folder, like --report-dir, to the working directory. Every problem is one ToolError line naming the bad entry, found before
 * anything is sent (a key variable that is not set included).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { checks, findCheck, isSelected } from '../checks/registry.ts';
import { isRecord } from '../core/json.ts';
import { AREAS, type Area, type Depth, type Profile } from '../core/vocabulary.ts';
import { findBehaviour } from '../reference/catalogue.ts';
import { ToolError } from '../run/errors.ts';
import { normaliseTarget } from '../run/options.ts';
import { DEFAULT_UPSTREAM_PORT, type ProxyFlags } from '../run/proxy-target.ts';
import schema from './config.schema.json' with { type: 'json' };

/** A nightly wants the same requests every night, so a matrix has a fixed seed unless it names one. */
export const DEFAULT_MATRIX_SEED = 1;
const DEFAULT_MODEL_LIMIT = 5;

export type Endpoint = { kind: 'url'; url: string } | { kind: 'embedded'; behaviour?: string };

/** A proxy target's set-up, as the proxy command's flags; no upstream key variable is read unless one is named. */
export type ProxyConfig = Omit<ProxyFlags, 'upstreamKeyEnv'> & { upstreamKeyEnv?: string };

export interface TargetConfig {
  name: string;
  endpoint: Endpoint;
  /** Variable holding the key; it is set (checked on load). */
  keyEnv?: string;
  /** The target is a proxy under test: its cells are proxy runs. */
  proxy?: ProxyConfig;
  headers: Record<string, string>;
  models: string[] | { all: true; limit: number };
  profile: Profile;
  depth: Depth;
  seed: number;
  only: string[];
  skip: string[];
  timeoutMs: number;
  deterministic: boolean;
  /** Requests all cells of this target may spend together. */
  maxRequests?: number;
}

export interface MatrixConfig {
  /** The file as named. */
  file: string;
  reportDir: string;
  concurrency: number;
  /** Folder of `<target>.json` expectations files. */
  expectationsDir?: string;
  targets: TargetConfig[];
}

interface RawSettings {
  profile?: Profile;
  depth?: Depth;
  seed?: number;
  only?: string[];
  skip?: string[];
  timeoutMs?: number;
  deterministic?: boolean;
  maxRequests?: number;
}

interface RawProxy {
  upstream?: string;
  upstreamKeyEnv?: string;
  upstreamModel?: string;
  instrumented?: true;
  upstreamPort?: number;
  upstreamHost?: string;
}

interface RawTarget extends RawSettings {
  name: string;
  baseUrl?: string;
  embedded?: true | string;
  keyEnv?: string;
  proxy?: RawProxy;
  headers?: Record<string, string>;
  models?: 'all' | string[];
  modelLimit?: number;
}

/**
 * The shape of chat-conformance.config.json, for a config written as a `.ts` module (`export default {…} satisfies MatrixConfigFile`).
 * @public
 */
export interface MatrixConfigFile {
  $schema?: string;
  reportDir?: string;
  concurrency?: number;
  expectations?: string;
  defaults?: RawSettings;
  targets: RawTarget[];
}

interface RawConfig {
  reportDir?: string;
  concurrency?: number;
  expectations?: string;
  defaults?: RawSettings;
  targets: RawTarget[];
}

const validate = new Ajv2020({ allErrors: false, strict: true }).compile<RawConfig>(schema);

/** Messages for the properties whose schema is a choice, where ajv's own words say little. */
const CHOICES: Record<string, string> = {
  embedded: 'must be true, "fault/NAME" or "variant/NAME"',
  models: 'must be "all" or a non-empty list of model ids',
};

/** `/targets/1/keyEnv` → `targets[1] ("gateway").keyEnv`. */
function entryName(pointer: string, data: unknown): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let at: unknown = data;
  let name = '';
  for (const part of parts) {
    at = isRecord(at) ? at[part] : Array.isArray(at) ? at[Number(part)] : undefined;
    name += /^\d+$/.test(part) ? `[${part}]` : `${name ? '.' : ''}${part}`;
    if (isRecord(at) && typeof at['name'] === 'string' && /^\d+$/.test(part)) name += ` ("${at['name']}")`;
  }
  return name || 'the file';
}

function describe(error: ErrorObject, errors: readonly ErrorObject[], data: unknown): string {
  const choice = errors.find((e) => e.keyword === 'anyOf');
  if (choice) {
    const key = choice.instancePath.split('/').at(-1) ?? '';
    return `${entryName(choice.instancePath, data)} ${CHOICES[key] ?? 'has a value of the wrong kind'}`;
  }
  const at = entryName(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at} has an unknown key "${String(params['additionalProperty'])}"`;
    case 'required':
      return `${at} needs "${String(params['missingProperty'])}"`;
    case 'const':
      return `${at} must be ${JSON.stringify(params['allowedValue'])}`;
    case 'enum':
      return `${at} must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
    default:
      return `${at} ${error.message ?? 'is not valid'}`;
  }
}

function selectionProblem(label: string, only: readonly string[], skip: readonly string[], proxy: boolean): string | undefined {
  for (const item of [...only, ...skip]) {
    if (!AREAS.includes(item as Area) && !findCheck(item)) return `${label} names "${item}", which is neither an area nor a check id`;
  }
  const proxyNamed = only.find((item) => item === 'proxy' || findCheck(item)?.area === 'proxy');
  if (!proxy && proxyNamed !== undefined)
    return `${label}.only names ${proxyNamed}, which runs against a proxy: give the target a "proxy" setting`;
  if (!checks.some((c) => isSelected(c, only, skip))) return `${label}: only and skip together leave no check to run`;
  return undefined;
}

function endpointOf(raw: RawTarget, label: string): Endpoint {
  if ((raw.baseUrl === undefined) === (raw.embedded === undefined)) {
    throw new ToolError('CC_BAD_FLAG', `${label} needs exactly one of "baseUrl" and "embedded"`);
  }
  if (raw.embedded === true) return { kind: 'embedded' };
  if (raw.embedded !== undefined) {
    const [kind, name = ''] = raw.embedded.split('/');
    if (findBehaviour(name)?.kind !== kind) {
      throw new ToolError(
        'CC_BAD_FLAG',
        `${label}.embedded names ${raw.embedded}, which the reference provider does not have (see serve --list-faults)`,
      );
    }
    return { kind: 'embedded', behaviour: raw.embedded };
  }
  try {
    return { kind: 'url', url: normaliseTarget(raw.baseUrl ?? '') };
  } catch (error) {
    throw new ToolError('CC_BAD_TARGET', `${label}.baseUrl: ${(error as Error).message.replace(/^--target /, '')}`);
  }
}

function proxyOf(raw: RawTarget, label: string, env: NodeJS.ProcessEnv): ProxyConfig | undefined {
  const proxy = raw.proxy;
  if (proxy === undefined) return undefined;
  const at = `${label}.proxy`;
  if (raw.baseUrl === undefined) throw new ToolError('CC_BAD_FLAG', `${at} needs the target's "baseUrl": the proxy under test`);
  if ((proxy.upstream === undefined) === (proxy.instrumented === undefined)) {
    throw new ToolError('CC_BAD_FLAG', `${at} needs exactly one of "upstream" (a differential run) and "instrumented": true`);
  }
  const misplaced =
    proxy.upstream === undefined
      ? proxy.upstreamModel !== undefined && 'upstreamModel'
      : (proxy.upstreamPort !== undefined && 'upstreamPort') || (proxy.upstreamHost !== undefined && 'upstreamHost');
  if (misplaced) {
    const applies = misplaced === 'upstreamModel' ? 'a differential run ("upstream")' : 'the instrumented upstream ("instrumented": true)';
    throw new ToolError('CC_BAD_FLAG', `${at}.${misplaced} applies to ${applies}`);
  }
  if (proxy.upstreamKeyEnv !== undefined && !env[proxy.upstreamKeyEnv]) {
    throw new ToolError('CC_BAD_FLAG', `${label}: $${proxy.upstreamKeyEnv} is not set (it holds the key of this target's upstream)`);
  }
  if (proxy.instrumented && raw.keyEnv === undefined && proxy.upstreamKeyEnv === undefined) {
    throw new ToolError(
      'CC_BAD_FLAG',
      `${at}: the instrumented upstream needs a key: give the target a keyEnv (the key clients give the proxy) or proxy.upstreamKeyEnv`,
    );
  }
  let upstream: string | undefined;
  try {
    if (proxy.upstream !== undefined) upstream = normaliseTarget(proxy.upstream, 'upstream');
  } catch (error) {
    throw new ToolError('CC_BAD_TARGET', `${at}.${(error as Error).message}`);
  }
  return {
    ...(upstream !== undefined ? { upstream } : {}),
    upstreamPort: proxy.upstreamPort ?? DEFAULT_UPSTREAM_PORT,
    upstreamHost: proxy.upstreamHost ?? '127.0.0.1',
    ...(proxy.upstreamKeyEnv !== undefined ? { upstreamKeyEnv: proxy.upstreamKeyEnv } : {}),
    ...(proxy.upstreamModel !== undefined ? { upstreamModel: proxy.upstreamModel } : {}),
  };
}

/** The config as data: validated, defaults applied. */
export function resolveConfig(data: unknown, file: string, env: NodeJS.ProcessEnv, onlyTargets: readonly string[] = []): MatrixConfig {
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    const first = errors[0];
    throw new ToolError('CC_BAD_FLAG', `${file}: ${first ? describe(first, errors, data) : 'is not a valid config'}`);
  }
  const base = dirname(resolve(file));
  const seen = new Set<string>();
  for (const [i, raw] of data.targets.entries()) {
    if (seen.has(raw.name)) throw new ToolError('CC_BAD_FLAG', `${file}: targets[${i}] repeats the name "${raw.name}"`);
    seen.add(raw.name);
  }
  const unknown = onlyTargets.find((name) => !seen.has(name));
  if (unknown !== undefined) {
    throw new ToolError('CC_BAD_FLAG', `--only-target names "${unknown}", which ${file} does not have (targets: ${[...seen].join(', ')})`);
  }
  const targets = data.targets.flatMap((raw, i): TargetConfig[] => {
    if (onlyTargets.length > 0 && !onlyTargets.includes(raw.name)) return [];
    const label = `${file}: targets[${i}] ("${raw.name}")`;
    const settings = { ...data.defaults, ...raw };
    const only = settings.only ?? [];
    const skip = settings.skip ?? [];
    const problem = selectionProblem(label, only, skip, raw.proxy !== undefined);
    if (problem) throw new ToolError('CC_BAD_FLAG', problem);
    const endpoint = endpointOf(raw, label);
    if (raw.keyEnv !== undefined && endpoint.kind === 'url' && !env[raw.keyEnv]) {
      throw new ToolError('CC_BAD_FLAG', `${label}: $${raw.keyEnv} is not set (it holds the key of this target)`);
    }
    const target: TargetConfig = {
      name: raw.name,
      endpoint,
      headers: Object.fromEntries(Object.entries(raw.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      models: raw.models === 'all' ? { all: true, limit: raw.modelLimit ?? DEFAULT_MODEL_LIMIT } : (raw.models ?? []),
      profile: settings.profile ?? 'documented',
      depth: settings.depth ?? 'standard',
      seed: settings.seed ?? DEFAULT_MATRIX_SEED,
      only,
      skip,
      timeoutMs: settings.timeoutMs ?? 60_000,
      deterministic: settings.deterministic ?? false,
    };
    if (raw.keyEnv !== undefined && endpoint.kind === 'url') target.keyEnv = raw.keyEnv;
    const proxy = proxyOf(raw, label, env);
    if (proxy) target.proxy = proxy;
    if (settings.maxRequests !== undefined) target.maxRequests = settings.maxRequests;
    return [target];
  });
  const config: MatrixConfig = {
    file,
    reportDir: data.reportDir ?? 'reports',
    concurrency: data.concurrency ?? 4,
    targets,
  };
  // Shown in reports and notes, so relative to where the tool runs, as the user would type it.
  if (data.expectations !== undefined) config.expectationsDir = relative(process.cwd(), resolve(base, data.expectations)) || '.';
  return config;
}

/** A `.ts`/`.js` config is a module whose default export is the same object (typed as `MatrixConfigFile`). */
const MODULE = /\.(c|m)?(ts|js)$/;

export async function loadConfig(file: string, env: NodeJS.ProcessEnv, onlyTargets: readonly string[] = []): Promise<MatrixConfig> {
  if (MODULE.test(file)) {
    if (!existsSync(file)) throw new ToolError('CC_BAD_FLAG', `--config ${file} does not exist`);
    let data: unknown;
    try {
      const loaded = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
      data = loaded.default;
    } catch (error) {
      throw new ToolError('CC_BAD_FLAG', `--config ${file} cannot be loaded: ${(error as Error).message.split('\n')[0]}`);
    }
    return resolveConfig(data, file, env, onlyTargets);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ToolError(
      'CC_BAD_FLAG',
      `--config ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ToolError('CC_BAD_FLAG', `${file} is not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  return resolveConfig(data, file, env, onlyTargets);
}
