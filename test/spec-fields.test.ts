import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { SPEC_PATH } from '../src/contract/spec.ts';

import { SEEDS_MISSING, seedText } from './support/seeds.ts';

const F0 = '000_96bde8db4d236014.txt'; // MDX source: every field, type, default and range
const F1 = '001_7a31a6b58b31bf6d.txt'; // rendered page with the curl and response examples
const F2 = '002_911505efb3194a71.txt'; // older rendering, field names stripped
const F3 = '003_f82a578225befbf7.txt'; // gateway data-model tables

type Node = Record<string, unknown>;
const doc = parse(readFileSync(SPEC_PATH, 'utf8')) as {
  components: { schemas: Record<string, Node>; securitySchemes: Record<string, Node> };
  paths: Record<string, Record<string, Node>>;
};

/**
 * Where each field of the four documents lives in the spec. A place is `Schema.field.field`, where `field[]`
 * steps into the array's items and `<tag>` picks the content part whose `type` is that tag.
 */
const FIELDS: Array<[place: string, files: string[]]> = [
  ['header:Content-Type', [F0, F1, F2]],
  ['header:Authorization', [F0, F1, F2]],

  ['ChatCompletionRequest.model', [F0, F1, F3]],
  ['ChatCompletionRequest.messages', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.messages[].content', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].content[].<text>.type', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].content[].<text>.text', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].content[].<image_url>.type', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].content[].<image_url>.image_url', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].content[].<image_url>.image_url.url', [F0, F3]],
  ['ChatCompletionRequest.messages[].content[].<image_url>.image_url.detail', [F3]],
  ['ChatCompletionRequest.messages[].content[].<video_url>.type', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].content[].<video_url>.video_url', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].content[].<video_url>.video_url.url', [F0, F3]],
  ['ChatCompletionRequest.messages[].content[].<input_audio>.type', [F3]],
  ['ChatCompletionRequest.messages[].content[].<input_audio>.input_audio', [F3]],
  ['ChatCompletionRequest.messages[].content[].<input_audio>.input_audio.data', [F3]],
  ['ChatCompletionRequest.messages[].content[].<input_audio>.input_audio.format', [F3]],
  ['ChatCompletionRequest.messages[].content[].<file>.type', [F3]],
  ['ChatCompletionRequest.messages[].content[].<file>.file', [F3]],
  ['ChatCompletionRequest.messages[].content[].<file>.file.filename', [F3]],
  ['ChatCompletionRequest.messages[].content[].<file>.file.file_data', [F3]],
  ['ChatCompletionRequest.messages[].content[].<file>.file.file_id', [F3]],
  ['ChatCompletionRequest.messages[].role', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].name', [F0, F1, F3]],
  ['ChatCompletionRequest.messages[].tool_calls', [F3]],
  ['ChatCompletionRequest.messages[].tool_calls[].id', [F3]],
  ['ChatCompletionRequest.messages[].tool_calls[].type', [F3]],
  ['ChatCompletionRequest.messages[].tool_calls[].function', [F3]],
  ['ChatCompletionRequest.messages[].tool_calls[].function.name', [F3]],
  ['ChatCompletionRequest.messages[].tool_calls[].function.arguments', [F3]],
  ['ChatCompletionRequest.messages[].tool_call_id', [F3]],
  ['ChatCompletionRequest.messages[].reasoning_content', [F3]],
  ['ChatCompletionRequest.max_tokens', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.max_completion_tokens', [F3]],
  ['ChatCompletionRequest.stream', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.stream_options', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.stream_options.include_usage', [F0, F1, F3]],
  ['ChatCompletionRequest.n', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.seed', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.frequency_penalty', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.presence_penalty', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.repetition_penalty', [F0, F1, F2]],
  ['ChatCompletionRequest.stop', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.temperature', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.top_p', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.top_k', [F0, F1, F2]],
  ['ChatCompletionRequest.min_p', [F0, F1, F2]],
  ['ChatCompletionRequest.logit_bias', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.logprobs', [F0, F1, F2]],
  ['ChatCompletionRequest.top_logprobs', [F0, F1, F2]],
  ['ChatCompletionRequest.tools', [F0, F1, F3]],
  ['ChatCompletionRequest.tools[].type', [F0, F1, F3]],
  ['ChatCompletionRequest.tools[].function', [F0, F1, F3]],
  ['ChatCompletionRequest.tools[].function.name', [F0, F1, F3]],
  ['ChatCompletionRequest.tools[].function.description', [F0, F1, F3]],
  ['ChatCompletionRequest.tools[].function.parameters', [F0, F1, F3]],
  ['ChatCompletionRequest.tools[].function.strict', [F0, F1]],
  ['ChatCompletionRequest.tool_choice', [F3]],
  ['ChatCompletionRequest.response_format', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.response_format.type', [F0, F1, F2, F3]],
  ['ChatCompletionRequest.response_format.json_schema', [F0, F1, F3]],
  ['ChatCompletionRequest.response_format.json_schema.name', [F0, F1]],
  ['ChatCompletionRequest.response_format.json_schema.description', [F0, F1]],
  ['ChatCompletionRequest.response_format.json_schema.schema', [F0, F1]],
  ['ChatCompletionRequest.response_format.json_schema.strict', [F0, F1]],
  ['ChatCompletionRequest.response_format.schema', [F2]],
  ['ChatCompletionRequest.separate_reasoning', [F0, F1, F2]],
  ['ChatCompletionRequest.enable_thinking', [F0, F1]],
  ['ChatCompletionRequest.user', [F3]],
  ['ChatCompletionRequest.reasoning_effort', [F3]],
  ['ChatCompletionRequest.modalities', [F3]],
  ['ChatCompletionRequest.audio', [F3]],
  ['ChatCompletionRequest.audio.voice', [F3]],
  ['ChatCompletionRequest.audio.format', [F3]],

  ['ChatCompletion.choices', [F0, F1, F2]],
  ['ChatCompletion.choices[].finish_reason', [F0, F1, F2]],
  ['ChatCompletion.choices[].index', [F0, F1]],
  ['ChatCompletion.choices[].message', [F0, F1]],
  ['ChatCompletion.choices[].message.role', [F0, F1]],
  ['ChatCompletion.choices[].message.content', [F0, F1]],
  ['ChatCompletion.choices[].message.reasoning_content', [F0, F1, F2]],
  ['ChatCompletion.created', [F0, F1, F2]],
  ['ChatCompletion.id', [F0, F1, F2]],
  ['ChatCompletion.model', [F0, F1, F2]],
  ['ChatCompletion.object', [F0, F1, F2]],
  ['ChatCompletion.usage', [F0, F1, F2]],
  ['ChatCompletion.usage.completion_tokens', [F0, F1]],
  ['ChatCompletion.usage.prompt_tokens', [F0, F1]],
  ['ChatCompletion.usage.total_tokens', [F0, F1]],

  // Streaming: 000 describes the include_usage chunk (usage, empty choices); all three say usage ends a stream.
  ['ChatCompletionChunk.choices', [F0]],
  ['ChatCompletionChunk.usage', [F0, F1, F2]],
];

function resolve(node: Node): Node {
  let current = node;
  while (typeof current.$ref === 'string') {
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas[name];
    if (!target) throw new Error(`dangling reference ${current.$ref}`);
    current = target;
  }
  return current;
}

/** A nullable reference is `anyOf: [{$ref}, {type: 'null'}]`; fields live in the non-null alternative. */
function objectSchema(node: Node): Node {
  const resolved = resolve(node);
  const alternatives = resolved.anyOf as Node[] | undefined;
  const object = alternatives?.find((alt) => alt.type !== 'null');
  return object ? resolve(object) : resolved;
}

function locate(place: string): Node {
  if (place.startsWith('header:')) {
    const header = place.slice('header:'.length);
    if (header === 'Authorization') return doc.components.securitySchemes.bearerAuth as Node;
    const content = (doc.paths['/chat/completions']!.post!.requestBody as { content: Record<string, Node> }).content;
    return content['application/json'] as Node;
  }
  const [schemaName, ...segments] = place.split('.');
  let node: Node = doc.components.schemas[schemaName as string] as Node;
  for (const segment of segments) {
    const parent = objectSchema(node);
    const tag = /^<(.+)>$/.exec(segment)?.[1];
    if (tag) {
      const branches = (parent.oneOf as Node[]).map(resolve);
      const branch = branches.find((b) => ((b.properties as Record<string, Node>).type as Node).const === tag);
      if (!branch) throw new Error(`${place}: no content part of type ${tag}`);
      node = branch;
      continue;
    }
    const name = segment.replace(/\[\]$/, '');
    const property = (parent.properties as Record<string, Node> | undefined)?.[name];
    if (!property) throw new Error(`${place}: no property ${name}`);
    if (!segment.endsWith('[]')) node = property;
    else if (property.items) node = property.items as Node;
    else throw new Error(`${place}: ${name} has no items`);
  }
  return node;
}

describe('every field of the four documents is in the spec, citing its documents', () => {
  test.each(FIELDS)('%s', (place, files) => {
    const sources = locate(place)['x-source'];
    expect(Array.isArray(sources), `${place} has no x-source`).toBe(true);
    expect(sources).toEqual(expect.arrayContaining(files));
  });
});

describe('the table itself is faithful to the documents', () => {
  // 002 has its field names stripped, so only 000, 001 and 003 can be checked by name.
  const named = new Set([F0, F1, F3]);
  test.each(FIELDS)('%s is named in the documents it cites', (place, files) => {
    const name = place.startsWith('header:') ? place.slice('header:'.length) : (place.split('.').pop() as string).replace(/\[\]$/, '');
    for (const file of files.filter((f) => named.has(f))) {
      if (!SEEDS_MISSING) expect(seedText(file), `${name} in ${file}`).toContain(name);
    }
  });
});
