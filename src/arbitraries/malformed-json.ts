/** Request bodies that are not JSON at all: truncated, trailing garbage, single quotes, bare words. */
import fc from 'fast-check';

const PREFIX = '{"model":"m","messages":[{"role":"user","content":"Hi"}]';

export function malformedJson(): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.integer({ min: 1, max: PREFIX.length - 1 }).map((cut) => PREFIX.slice(0, cut)),
      fc.constant(`${PREFIX},}`),
      fc.constant(`${PREFIX}}}`),
      fc.constant("{'model': 'm'}"),
      fc.constant('model=m&messages=hi'),
      fc.constant('{"model":"m","messages":[{"role":"user","content":"Hi"}],"max_tokens":1,}'),
    )
    .filter((text) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    });
}
