/**
 * Request checks of the reference provider. Types and ranges come from the contract's validators
 * (the single source of the documented ranges); this file adds only what a schema cannot say:
 * cross-field rules, the model list, and whether user-supplied JSON Schemas compile.
 */
import type { ChatCompletionRequest } from '../contract/types.ts';
import { compileUserSchema, type SchemaViolation, validateRequest } from '../contract/validators.ts';
import { isRecord, type Json } from '../core/json.ts';
import type { Completion, ErrorReply } from './behaviour.ts';
import { ERROR_CODES, invalidRequest, modelNotFound } from './error-replies.ts';
import { isKnownModel } from './models.ts';

type UserValidator = (value: unknown) => boolean;

/** Compiled user schemas, kept to verify that generated tool arguments and JSON answers satisfy them. */
export interface UserSchemas {
  responseFormat?: UserValidator;
  tools: Map<string, UserValidator>;
}

export interface RequestCheck {
  errors: ErrorReply[];
  schemas: UserSchemas;
}

const violations = new WeakMap<ErrorReply, SchemaViolation>();

/** The schema violation an error reply was made from, so a behaviour can tell range errors from others. */
export function violationOf(reply: ErrorReply): SchemaViolation | undefined {
  return violations.get(reply);
}

export function checkRequest(body: Json): RequestCheck {
  const errors: ErrorReply[] = [];
  const result = validateRequest(body);
  if (!result.ok) {
    for (const violation of result.violations) errors.push(violationReply(violation));
  }
  errors.push(...crossFieldErrors(body));
  const schemas = compileSchemas(body, errors);
  if (typeof body.model === 'string' && !isKnownModel(body.model)) errors.push(modelNotFound(body.model));
  return { errors, schemas };
}

function violationReply(violation: SchemaViolation): ErrorReply {
  const reply = invalidRequest(
    violation.keyword === 'required' ? ERROR_CODES.missingParameter : ERROR_CODES.invalidValue,
    `${violation.message} (received ${violation.received}; documented ${violation.documented})`,
    paramFromPointer(offendingPointer(violation)),
  );
  violations.set(reply, violation);
  return reply;
}

/**
 * A missing property is reported at the object that lacks it; the parameter to name is the property
 * itself, which the violation states as `required property "<name>"`.
 */
function offendingPointer(violation: SchemaViolation): string {
  const missing = violation.keyword === 'required' ? /^required property "(.*)"$/.exec(violation.documented)?.[1] : undefined;
  if (missing === undefined) return violation.path;
  const segment = missing.replace(/~/g, '~0').replace(/\//g, '~1');
  // Tolerate a validator that already points at the property.
  return violation.path.endsWith(`/${segment}`) ? violation.path : `${violation.path}/${segment}`;
}

/** `/messages/0/role` → `messages[0].role`; the root pointer names no parameter. */
function paramFromPointer(pointer: string): string | null {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segments.length === 0 || (segments.length === 1 && segments[0] === '')) return null;
  let param = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment) && param !== '') param += `[${segment}]`;
    else param += param === '' ? segment : `.${segment}`;
  }
  return param;
}

function crossFieldErrors(body: Json): ErrorReply[] {
  const errors: ErrorReply[] = [];
  // "如果使用此参数，则必须将 logprobs 设置为 true" (000_96bde8db4d236014.txt).
  if (body.top_logprobs !== undefined && body.top_logprobs !== null && body.logprobs !== true) {
    errors.push(invalid('top_logprobs requires logprobs to be true.', 'top_logprobs'));
  }
  const choice = body.tool_choice;
  const names = functionNames(body.tools);
  if (choice === 'required' && names.length === 0) {
    errors.push(invalid('tool_choice "required" needs at least one function in tools.', 'tool_choice'));
  }
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string' && !names.includes(choice.function.name)) {
    errors.push(invalid(`tool_choice names ${JSON.stringify(choice.function.name)}, which is not among the tools.`, 'tool_choice'));
  }
  return errors;
}

function compileSchemas(body: Json, errors: ErrorReply[]): UserSchemas {
  const schemas: UserSchemas = { tools: new Map() };
  const format = responseSchema(body.response_format);
  if (format) {
    const compiled = compileUserSchema(format.schema);
    if (compiled.ok) schemas.responseFormat = (value) => compiled.validate(value).ok;
    else errors.push(invalid(`${format.param} is not a usable JSON Schema: ${compiled.error}`, format.param));
  }
  if (Array.isArray(body.tools)) {
    body.tools.forEach((tool, index) => {
      const fn = isRecord(tool) && isRecord(tool.function) ? tool.function : undefined;
      if (!fn || typeof fn.name !== 'string' || !isRecord(fn.parameters)) return;
      const compiled = compileUserSchema(fn.parameters);
      if (compiled.ok) schemas.tools.set(fn.name, (value) => compiled.validate(value).ok);
      else
        errors.push(
          invalid(
            `tools[${index}].function.parameters is not a usable JSON Schema: ${compiled.error}`,
            `tools[${index}].function.parameters`,
          ),
        );
    });
  }
  return schemas;
}

/** The answer schema of structured output, or of JSON mode in its 002 form `{"type":"json_object","schema":{…}}`. */
function responseSchema(format: unknown): { schema: Json; param: string } | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_schema' && isRecord(format.json_schema) && isRecord(format.json_schema.schema)) {
    return { schema: format.json_schema.schema, param: 'response_format.json_schema.schema' };
  }
  if (format.type === 'json_object' && isRecord(format.schema)) return { schema: format.schema, param: 'response_format.schema' };
  return undefined;
}

/**
 * The generator covers the JSON Schema subset the documents name; a schema outside it gets an error
 * rather than an answer that breaks the schema (strict mode errors the same way, 000_96bde8db4d236014.txt).
 * Answers cut by a stop sequence or by max_tokens are left alone: the user asked for the cut.
 */
export function checkStructuredOutput(
  completion: Completion,
  request: ChatCompletionRequest,
  schemas: UserSchemas,
): ErrorReply | undefined {
  if (request.stop !== undefined && request.stop !== null) return undefined;
  for (const choice of completion.choices) {
    if (choice.finishReason !== 'stop') continue;
    for (const call of choice.toolCalls ?? []) {
      const validate = schemas.tools.get(call.name);
      if (validate && !parsesAndSatisfies(call.arguments, validate)) {
        const index = Array.isArray(request.tools)
          ? request.tools.findIndex((tool) => isRecord(tool) && isRecord(tool.function) && tool.function.name === call.name)
          : -1;
        return unsupported(`function ${call.name}`, `tools[${Math.max(0, index)}].function.parameters`);
      }
    }
    if (!choice.toolCalls?.length && schemas.responseFormat && !parsesAndSatisfies(choice.tokens.join(''), schemas.responseFormat)) {
      return unsupported('response_format', responseSchema(request.response_format)?.param ?? 'response_format');
    }
  }
  return undefined;
}

function parsesAndSatisfies(text: string, validate: UserValidator): boolean {
  try {
    return validate(JSON.parse(text));
  } catch {
    return false;
  }
}

function unsupported(what: string, param: string): ErrorReply {
  return invalidRequest(
    ERROR_CODES.unsupportedSchema,
    `The schema of ${what} uses JSON Schema features the reference provider cannot satisfy (supported: type, properties, required, enum, const, anyOf/oneOf, items, minimum/maximum, minLength/maxLength, minItems/maxItems, format, $ref).`,
    param,
  );
}

function invalid(message: string, param: string): ErrorReply {
  return invalidRequest(ERROR_CODES.invalidValue, message, param);
}

function functionNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool) =>
    isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === 'string' ? [tool.function.name] : [],
  );
}
