/**
 * Faults in response_format (000_96bde8db4d236014.txt: json_object guarantees valid JSON, json_schema
 * output matches the schema sent).
 */
import type { ChatCompletionRequest } from '../../contract/types.ts';
import { isRecord } from '../../core/json.ts';
import type { Behaviour } from '../behaviour.ts';
import { regenerate, withChoices, withoutField, withTokens } from '../completion-editing.ts';
import { violating } from '../violating.ts';
import { tokenize } from '../vocabulary.ts';

function schemaOf(request: ChatCompletionRequest): unknown {
  const format = request.response_format;
  return isRecord(format) && format.type === 'json_schema' && isRecord(format.json_schema) ? format.json_schema.schema : undefined;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export const structuredOutputFaults: readonly Behaviour[] = [
  {
    name: 'json-mode-ignored',
    kind: 'fault',
    description: 'response_format json_object is ignored: the answer is prose.',
    detectedBy: ['structured-output.json-object'],
    generate(completion, request) {
      const format = request.response_format;
      if (!isRecord(format) || format.type !== 'json_object') return completion;
      const prose = regenerate(completion, withoutField(request, 'response_format'));
      // An instruction can make even the prose answer valid JSON ("repeat exactly: 1"); say something first.
      const choices = prose.choices.map((choice) =>
        parsesAsJson(choice.tokens.join('')) ? withTokens(choice, [...tokenize('Sure: '), ...choice.tokens]) : choice,
      );
      return withChoices(prose, choices);
    },
  },
  {
    name: 'schema-violation',
    kind: 'fault',
    description: 'response_format json_schema is answered with JSON that breaks the schema.',
    detectedBy: ['structured-output.json-schema', 'clients.structured-output'],
    generate(completion, request) {
      const schema = schemaOf(request);
      if (schema === undefined) return completion;
      const choices = completion.choices.map((choice) => {
        const text = choice.tokens.join('');
        if (choice.toolCalls?.length || !parsesAsJson(text)) return choice;
        const broken = violating(JSON.parse(text), schema);
        return broken === undefined ? choice : withTokens(choice, tokenize(JSON.stringify(broken)));
      });
      return withChoices(completion, choices);
    },
  },
];
