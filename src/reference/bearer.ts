/** The bearer check (000_96bde8db4d236014.txt: "Authorization: Bearer {{API 秘钥}}"). */
import { timingSafeEqual } from 'node:crypto';

/** `Authorization: Bearer <key>`; the scheme is case-insensitive (RFC 9110 §11.1). */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  if (!header) return false;
  const match = /^\s*(\S+)\s+(.*?)\s*$/.exec(header);
  if (!match || (match[1] as string).toLowerCase() !== 'bearer') return false;
  const given = Buffer.from(match[2] as string, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
