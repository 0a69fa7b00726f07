// JSON API client and URL helpers honouring BASE_PATH.
const prefix = window.BASE_PATH && window.BASE_PATH !== '/' ? window.BASE_PATH.replace(/\/$/, '') : '';

// url('/topics/x') -> '/admin/topics/x' under base path /admin.
export const url = (path) => (path === '/' ? prefix || '/' : prefix + path);

const seg = encodeURIComponent;
export const links = {
  streams: () => url('/'),
  topic: (t) => url(`/topics/${seg(t)}`),
  channel: (t, c) => url(`/topics/${seg(t)}/${seg(c)}`),
  nodes: () => url('/nodes'),
  node: (n) => url(`/nodes/${seg(n)}`),
  lookup: () => url('/lookup'),
};

// Strip BASE_PATH from a location pathname: '/admin/nodes' -> '/nodes'.
export function routePath(pathname) {
  if (prefix && (pathname === prefix || pathname.startsWith(prefix + '/'))) pathname = pathname.slice(prefix.length);
  return pathname || '/';
}

export class APIError extends Error {}

// api('GET', '/api/topics') resolves to the decoded body or throws an
// APIError carrying the text shown to the user.
export async function api(method, path, body) {
  let resp;
  try {
    resp = await fetch(url(path), {
      method,
      headers: {
        'X-UserAgent': window.USER_AGENT || 'nsqadmin',
        Accept: 'application/vnd.nsq; version=1.0',
        'Content-Type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20000),
    });
  } catch {
    throw new APIError('ERROR: failed to connect to nsqadmin');
  }
  const text = await resp.text();
  let data;
  try {
    data = text ? JSON.parse(text) : {};
  } catch (err) {
    if (!resp.ok) throw new APIError(`ERROR: ${resp.status} ${text.trim() || resp.statusText}`);
    throw new APIError(`ERROR: failed to decode JSON - ${err.message}`);
  }
  if (!resp.ok) throw new APIError(data.message || `ERROR: ${resp.status} ${resp.statusText}`);
  return data;
}
