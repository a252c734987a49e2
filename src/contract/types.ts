/** Readable names for the types generated from spec/openapi.yaml (spec/generated/openapi.d.ts). */
import type { components } from '../../spec/generated/openapi.d.ts';

type Schemas = components['schemas'];

export type ChatCompletionRequest = Schemas['ChatCompletionRequest'];
export type Tool = Schemas['Tool'];
export type ToolCall = Schemas['ToolCall'];
export type ChatCompletion = Schemas['ChatCompletion'];
export type Choice = Schemas['Choice'];
export type ResponseMessage = Schemas['ResponseMessage'];
export type TokenLogprob = Schemas['TokenLogprob'];
export type Usage = Schemas['Usage'];
export type ChatCompletionChunk = Schemas['ChatCompletionChunk'];
export type ChunkChoice = Schemas['ChunkChoice'];
export type Delta = Schemas['Delta'];
export type ToolCallDelta = Schemas['ToolCallDelta'];
export type ErrorResponse = Schemas['ErrorResponse'];
export type ErrorObject = Schemas['ErrorObject'];
export type ModelList = Schemas['ModelList'];

export type FinishReason = Choice['finish_reason'];

/** A request as probes and arbitraries write it: `model` may be left for the run to fill in. */
export type ChatRequestBody = Omit<ChatCompletionRequest, 'model'> & { model?: string };
