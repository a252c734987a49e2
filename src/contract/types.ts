/** Readable names for the types generated from spec/openapi.yaml (spec/generated/openapi.d.ts). */
import type { components } from '../../spec/generated/openapi.d.ts';

type Schemas = components['schemas'];

export type ChatCompletionRequest = Schemas['ChatCompletionRequest'];
export type Message = Schemas['Message'];
export type ContentPart = Schemas['ContentPart'];
export type TextPart = Schemas['TextPart'];
export type ImageUrlPart = Schemas['ImageUrlPart'];
export type VideoUrlPart = Schemas['VideoUrlPart'];
export type InputAudioPart = Schemas['InputAudioPart'];
export type FilePart = Schemas['FilePart'];
export type Tool = Schemas['Tool'];
export type FunctionDefinition = Schemas['FunctionDefinition'];
export type ToolCall = Schemas['ToolCall'];
export type ToolChoice = Schemas['ToolChoice'];
export type ResponseFormat = Schemas['ResponseFormat'];
export type JsonSchemaFormat = Schemas['JsonSchemaFormat'];
export type StreamOptions = Schemas['StreamOptions'];
export type AudioOptions = Schemas['AudioOptions'];
export type ChatCompletion = Schemas['ChatCompletion'];
export type Choice = Schemas['Choice'];
export type ResponseMessage = Schemas['ResponseMessage'];
export type ResponseToolCall = Schemas['ResponseToolCall'];
export type ChoiceLogprobs = Schemas['ChoiceLogprobs'];
export type TokenLogprob = Schemas['TokenLogprob'];
export type TopLogprob = Schemas['TopLogprob'];
export type Usage = Schemas['Usage'];
export type ChatCompletionChunk = Schemas['ChatCompletionChunk'];
export type ChunkChoice = Schemas['ChunkChoice'];
export type Delta = Schemas['Delta'];
export type ToolCallDelta = Schemas['ToolCallDelta'];
export type ErrorResponse = Schemas['ErrorResponse'];
export type ErrorObject = Schemas['ErrorObject'];
export type Model = Schemas['Model'];
export type ModelList = Schemas['ModelList'];

export type FinishReason = Choice['finish_reason'];
export type MessageRole = Message['role'];

/** A request as probes and arbitraries write it: `model` may be left for the run to fill in. */
export type ChatRequestBody = Omit<ChatCompletionRequest, 'model'> & { model?: string };
