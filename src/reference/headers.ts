/** Response header lists as the headers hook sees them: names in any spelling. */

/** Copy of `headers` with `name` set, replacing any spelling of the same header. */
export function withHeader(headers: Record<string, string>, name: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, existing] of Object.entries(headers)) {
    if (key.toLowerCase() !== name.toLowerCase()) out[key] = existing;
  }
  out[name] = value;
  return out;
}

export function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
