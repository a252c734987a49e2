/**
 * Function calling: a forced call at every depth; from standard depth the same call streamed, a request offering two
 * tools, a forced call to a function declared with `strict: true`, and tools offered with `tool_choice: "none"`; at
 * deep depth the two-tool request streamed and `tool_choice: "required"`.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody, Tool } from '../contract/types.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe } from './probe.ts';
import { ask, single } from './requests.ts';

export const WEATHER_TOOL: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

const TIME_TOOL: Tool = {
  type: 'function',
  function: {
    name: 'get_local_time',
    description: 'Current local time in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/**
 * The weather function under strict mode, written as strict mode requires (every property required, no others), so
 * its arguments are a promise rather than guidance.
 */
const STRICT_WEATHER_TOOL: Tool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    strict: true,
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};

/** Arguments take tokens: enough room for a short JSON object. */
const ROOM = 64;

const forced: ChatRequestBody = {
  messages: ask('What is the weather in Paris? Use the get_weather tool.'),
  tools: [WEATHER_TOOL],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
  max_tokens: ROOM,
};

const twoTools: ChatRequestBody = {
  messages: ask('What are the weather and the local time in Tokyo? Use the tools.'),
  tools: [WEATHER_TOOL, TIME_TOOL],
  max_tokens: ROOM * 2,
};

const strict: ChatRequestBody = { ...forced, tools: [STRICT_WEATHER_TOOL] };

const toolsNone: ChatRequestBody = {
  messages: ask('What is the weather usually like in Paris in spring? Answer in one sentence.'),
  tools: [WEATHER_TOOL],
  tool_choice: 'none',
  max_tokens: ROOM,
};

const NON_STREAM: CheckId[] = ['tools.call-shape', 'tools.arguments-valid', 'tools.finish-reason-consistent'];
const STREAM: CheckId[] = ['tools.call-shape', 'tools.stream-deltas', 'tools.finish-reason-consistent'];

/** tool_choice "required" or a named function. */
const forcesCall = (body: ChatRequestBody): boolean =>
  body.tool_choice === 'required' || (typeof body.tool_choice === 'object' && body.tool_choice !== null);

function feedsOf(body: ChatRequestBody): CheckId[] {
  const checks = body.stream === true ? STREAM : NON_STREAM;
  return forcesCall(body) ? [...checks, 'tools.choice-honoured'] : checks;
}

const toolRequest = (id: string, title: string, from: Depth, body: ChatRequestBody): Probe =>
  single(id, title, from, feedsOf(body), body, ['tools']);

export const toolsPlan: Plan = {
  area: 'tools',
  probes: [
    toolRequest('tools-forced', 'a call forced with tool_choice', 'smoke', forced),
    toolRequest('tools-forced-stream', 'a call forced with tool_choice, streamed', 'standard', { ...forced, stream: true }),
    toolRequest('tools-two', 'two tools offered', 'standard', twoTools),
    toolRequest('tools-strict', 'a call forced to a function declared with strict: true', 'standard', strict),
    single('tools-none', 'tools offered with tool_choice "none"', 'standard', ['tools.finish-reason-consistent'], toolsNone, ['tools']),
    toolRequest('tools-two-stream', 'two tools offered, streamed', 'deep', { ...twoTools, stream: true }),
    toolRequest('tools-required', 'tool_choice "required"', 'deep', { ...forced, tool_choice: 'required' }),
  ],
};
