/**
 * The reference provider's built-in vocabulary and tokenizer. Multi-byte tokens (CJK, emoji, accented
 * letters) are deliberate: they exercise UTF-8 handling in every client that reads the stream.
 */

/** Sentence openers (no leading space). */
export const OPENERS: readonly string[] = ['The', 'A', 'This', 'Every', 'Our', 'Some', 'Here', 'Today', '今天', 'Café', 'Über', '🌟'];

/** Words that follow another token (leading space where a space belongs). */
export const MIDDLES: readonly string[] = [
  ' quiet',
  ' river',
  ' model',
  ' answer',
  ' bright',
  ' morning',
  ' stream',
  ' token',
  ' careful',
  ' garden',
  ' window',
  ' reference',
  ' provider',
  ' small',
  ' green',
  ' idea',
  ' travels',
  ' returns',
  ' speaks',
  ' waits',
  ' over',
  ' under',
  ' with',
  ' and',
  ' the',
  ' a',
  ' of',
  ' to',
  ' very',
  ' gently',
  ' 你好',
  ' 世界',
  '模型',
  '测试',
  ' 数据',
  ' 東京',
  ' 한국어',
  ' café',
  ' naïve',
  ' señor',
  ' Ďábel',
  ' ñandú',
  ' façade',
  ' Zürich',
  ' 🚀',
  ' 🦙',
  '🙂',
  ' ✨',
  ',',
  ' —',
];

/** Sentence terminators. */
export const TERMINALS: readonly string[] = ['.', '!', '。', '…'];

/** Words for reasoning ("thinking") text. */
export const REASONING_OPENERS: readonly string[] = ['Okay', 'First', 'Let', 'Hmm', '首先'];
export const REASONING_MIDDLES: readonly string[] = [
  ' me',
  ' think',
  ' about',
  ' the',
  ' question',
  ' carefully',
  ' step',
  ' by',
  ' consider',
  ' what',
  ' user',
  ' asked',
  ' so',
  ' then',
  ' answer',
  ' should',
  ' be',
  ' 思考',
  ' 问题',
  ',',
];

/** Every distinct token above; alternatives for logprobs are drawn from it. */
export const ALL_TOKENS: readonly string[] = [
  ...new Set([...OPENERS, ...MIDDLES, ...TERMINALS, ...REASONING_OPENERS, ...REASONING_MIDDLES]),
];

/**
 * Split text into tokens whose concatenation is the text: an ASCII word or a 1–3 digit number with an
 * optional leading space, or a single character. Every non-ASCII code point is a token of its own, so a
 * multi-byte character is never split across two tokens.
 */
export function tokenize(text: string): string[] {
  return Array.from(text.matchAll(/ ?[A-Za-z]{1,12}| ?[0-9]{1,3}|[\s\S]/gu), (match) => match[0]);
}
