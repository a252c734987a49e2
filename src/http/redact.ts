/**
 * The one place credentials are removed from anything a report, log or reproduction shows.
 *
 * Two placeholders: `[REDACTED]` stands where a known secret (the run's API key) was, so a reproduction can put the
 * key back from the environment; `[HIDDEN]` stands for any other credential (a deliberately wrong token, a cookie),
 * which must not be shown either but is not the run's key.
 */

export const REDACTED = '[REDACTED]';
export const HIDDEN = '[HIDDEN]';

/** Secrets shorter than this are not searched for: replacing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** Header names whose whole value is a credential. */
const CREDENTIAL_NAME_PARTS = new Set([
  'authorization',
  'auth',
  'token',
  'secret',
  'password',
  'passwd',
  'apikey',
  'key',
  'cookie',
  'session',
  'signature',
  'sig',
  'credential',
  'credentials',
]);

/** Authorization-like headers: the scheme is kept, the credential after it is not. */
const SCHEME_HEADERS = new Set(['authorization', 'proxy-authorization']);

const SCHEME_VALUE = /^([A-Za-z][A-Za-z0-9._~+/-]*)(\s+)(\S[\s\S]*)$/;

/** A name like `x-api-key`, `X-Auth-Token`, `api_key` or `set-cookie` (for headers and query parameters). */
export function looksLikeCredentialName(name: string): boolean {
  return name
    .toLowerCase()
    .split(/[-_.]/)
    .some((part) => CREDENTIAL_NAME_PARTS.has(part));
}

/** Each usable secret and its URL-encoded form, longest first so a secret inside another is not half-replaced. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secretForms(secrets)) {
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

function maskCredential(credential: string, secrets: readonly string[]): string {
  const forms = secretForms(secrets);
  if (forms.includes(credential.trim())) return REDACTED;
  if (forms.some((form) => credential.includes(form))) return redactText(credential, secrets);
  return HIDDEN;
}

function maskSchemeValue(value: string, secrets: readonly string[]): string {
  const match = SCHEME_VALUE.exec(value);
  if (!match) return maskCredential(value, secrets);
  return `${match[1]}${match[2]}${maskCredential(match[3]!, secrets)}`;
}

/**
 * Header names lower-cased; credential headers (Authorization, Proxy-Authorization, api-key, x-api-key, cookies and
 * anything named like a credential) always masked, keeping an auth scheme; secrets removed from every other value.
 */
export function redactHeaders(headers: Readonly<Record<string, string>>, secrets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (SCHEME_HEADERS.has(name)) out[name] = maskSchemeValue(value, secrets);
    else if (looksLikeCredentialName(name)) out[name] = maskCredential(value, secrets);
    else if (/^(bearer|basic|token)\s+\S/i.test(value)) out[name] = maskSchemeValue(value, secrets);
    else out[name] = redactText(value, secrets);
  }
  return out;
}

/** Removes `user:password@` from a URL and masks credential-named query parameters; the rest is left as written. */
export function stripUrlCredentials(url: string): string {
  const origin = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*)([\s\S]*)$/.exec(url);
  let prefix = '';
  let rest = url;
  if (origin) {
    const authority = origin[2]!;
    prefix = origin[1]! + authority.slice(authority.lastIndexOf('@') + 1);
    rest = origin[3]!;
  }
  const queryAt = rest.indexOf('?');
  const hashAt = rest.indexOf('#');
  if (queryAt === -1 || (hashAt !== -1 && hashAt < queryAt)) return prefix + rest;
  const queryEnd = hashAt === -1 ? rest.length : hashAt;
  const query = rest
    .slice(queryAt + 1, queryEnd)
    .split('&')
    .map((param) => {
      const eq = param.indexOf('=');
      if (eq === -1) return param;
      const name = param.slice(0, eq);
      return looksLikeCredentialName(safeDecode(name)) ? `${name}=${REDACTED}` : param;
    })
    .join('&');
  return `${prefix}${rest.slice(0, queryAt)}?${query}${rest.slice(queryEnd)}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Overwrites every occurrence of a secret in a body received as several reads (also across read boundaries) with
 * `*`, byte for byte, so lengths, offsets and framing stay exactly as received. Returns the input when nothing matched.
 */
export function maskSecretBytes(chunks: readonly Uint8Array[], secrets: readonly string[]): Uint8Array[] {
  const forms = secretForms(secrets).map((form) => Buffer.from(form, 'utf8'));
  if (forms.length === 0 || chunks.length === 0) return [...chunks];
  const whole = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  let masked: Buffer | undefined;
  for (const form of forms) {
    for (let at = whole.indexOf(form); at !== -1; at = whole.indexOf(form, at + 1)) {
      masked ??= Buffer.from(whole);
      masked.fill(0x2a, at, at + form.length);
    }
  }
  if (!masked) return [...chunks];
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    out.push(new Uint8Array(masked.subarray(offset, offset + chunk.length)));
    offset += chunk.length;
  }
  return out;
}
