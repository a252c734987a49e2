/** The models the reference provider serves, and how each one reasons. */
import { supportedModels } from '../contract/ranges.ts';
import type { ChatCompletionRequest, ModelList } from '../contract/types.ts';

/** A general model with no reasoning switches; the default model of a run against the reference. */
const GENERAL_MODEL = 'reference-chat';

/** Fixed so that GET /models is byte-identical between runs. */
const LISTED_SINCE = 1_735_689_600;

let reasoningModels: { separate: string[]; thinking: string[] } | undefined;

/** The spec is frozen once read, so its model lists are looked up once. */
function reasoning(): { separate: string[]; thinking: string[] } {
  reasoningModels ??= { separate: supportedModels('separate_reasoning'), thinking: supportedModels('enable_thinking') };
  return reasoningModels;
}

export function modelIds(): string[] {
  return [...new Set([GENERAL_MODEL, ...reasoning().separate, ...reasoning().thinking])];
}

export function isKnownModel(model: string): boolean {
  return modelIds().includes(model);
}

export function modelList(): ModelList {
  return {
    object: 'list',
    data: modelIds().map((id) => ({ id, object: 'model', created: LISTED_SINCE, owned_by: 'chat-conformance' })),
  };
}

/**
 * Where a model's reasoning goes (000_96bde8db4d236014.txt): `separate_reasoning` moves it to
 * reasoning_content for the models that support it, otherwise it stays inline in <think> tags;
 * `enable_thinking` (default true) switches it on and off. Other models ignore both fields.
 */
export function reasoningMode(request: ChatCompletionRequest): 'separate' | 'inline' | 'none' {
  const model = request.model;
  if (typeof model !== 'string') return 'none';
  if (reasoning().separate.includes(model)) {
    return request.separate_reasoning === true ? 'separate' : 'inline';
  }
  if (reasoning().thinking.includes(model)) {
    return request.enable_thinking === false ? 'none' : 'separate';
  }
  return 'none';
}
