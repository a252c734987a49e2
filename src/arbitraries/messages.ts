/**
 * messages: a short conversation with roles from the documented enum (system, user, assistant; 000), content as
 * a string or as text parts, and an optional author name. Prompts stay short so generated requests are cheap.
 */
import fc from 'fast-check';
import { limits } from '../contract/ranges.ts';
import { invalidMessageName, messageName } from './names.ts';

export interface MessagesConstraints {
  /** Most user turns (each after the first comes with an assistant turn before it). */
  maxUserTurns?: number;
}

export type Message = { role: string; content: unknown; name?: string };

const PROMPTS = ['Say hello.', 'Reply with one word.', 'What is 2 + 2?', 'Name a colour.', '你好', 'Count to three.'];

const text = fc.constantFrom(...PROMPTS);

const content: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: text, weight: 3 },
  {
    arbitrary: fc.array(
      text.map((t) => ({ type: 'text', text: t })),
      { minLength: 1, maxLength: 2 },
    ),
    weight: 1,
  },
);

function message(role: string): fc.Arbitrary<Message> {
  return fc
    .record({ content, name: messageName({ maxLength: 12 }) }, { requiredKeys: ['content'], noNullPrototype: true })
    .map((m) => ({ role, ...m }));
}

export function messages(constraints: MessagesConstraints = {}): fc.Arbitrary<Message[]> {
  const turns = constraints.maxUserTurns ?? 2;
  return fc
    .tuple(
      fc.option(message('system'), { nil: undefined }),
      fc.array(fc.tuple(message('assistant'), message('user')), { maxLength: Math.max(0, turns - 1) }),
      message('user'),
    )
    .map(([system, history, last]) => [...(system ? [system] : []), ...history.flat(), last]);
}

/** A role outside every accepted role. */
function unknownRole(): fc.Arbitrary<string> {
  const known = new Set(limits().messageRoles);
  return fc.constantFrom('robot', 'developer_', 'USER', 'bot', '').filter((r) => !known.has(r));
}

/** A conversation with exactly one defect: unknown role, missing content, a bad name or mistyped content. */
export function invalidMessages(): fc.Arbitrary<unknown> {
  const defect: fc.Arbitrary<(list: Message[]) => unknown[]> = fc.oneof(
    unknownRole().map((role) => (list: Message[]) => list.map((m, i) => (i === list.length - 1 ? { ...m, role } : m))),
    fc.constant((list: Message[]) => list.map((m, i) => (i === list.length - 1 ? { role: m.role } : m))),
    invalidMessageName().map((name) => (list: Message[]) => list.map((m, i) => (i === list.length - 1 ? { ...m, name } : m))),
    fc
      .constantFrom<unknown>(42, true, { text: 'Hi' })
      .map((bad) => (list: Message[]) => list.map((m, i) => (i === list.length - 1 ? { ...m, content: bad } : m))),
  );
  const notAList = fc.constantFrom<unknown>('Say hello.', { role: 'user', content: 'Hi' });
  return fc.oneof(
    { arbitrary: fc.tuple(messages({ maxUserTurns: 1 }), defect).map(([list, apply]) => apply(list)), weight: 4 },
    { arbitrary: notAList, weight: 1 },
  );
}
