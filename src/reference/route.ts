/**
 * Where a request goes: the endpoint, and the behaviour named by a `/fault/<name>` or
 * `/variant/<name>` prefix in front of `/v1`.
 */
export type Endpoint = 'chat' | 'models';

export type Route =
  | { kind: 'endpoint'; endpoint: Endpoint; allow: string; prefix?: { kind: 'fault' | 'variant'; name: string } }
  | { kind: 'not-found'; path: string };

const ALLOWED_METHOD: Record<Endpoint, string> = { chat: 'POST', models: 'GET' };

export function resolveRoute(url: string | undefined): Route {
  const path = (url ?? '/').split('?', 1)[0] ?? '/';
  const match = /^(?:\/(fault|variant)\/([^/]+))?\/v1\/(chat\/completions|models)\/?$/.exec(path);
  if (!match) return { kind: 'not-found', path };
  const endpoint: Endpoint = match[3] === 'models' ? 'models' : 'chat';
  const route: Route = { kind: 'endpoint', endpoint, allow: ALLOWED_METHOD[endpoint] };
  if (match[1] && match[2]) route.prefix = { kind: match[1] as 'fault' | 'variant', name: safeDecode(match[2]) };
  return route;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
