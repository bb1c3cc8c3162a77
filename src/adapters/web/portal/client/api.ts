/**
 * Calls to the service's own JSON API. Same origin, the session cookie goes along; unsafe
 * methods carry the session's CSRF token in `X-CSRF-Token`. Failures become `ApiError` with the
 * RFC 9457 problem's `code`, `detail` and (when the service names one) `field`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

let csrfToken: string | undefined;

/** Set by session.ts from `GET /v1/session` / `POST /v1/session`. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

function headersFor(method: string, extra?: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', ...extra };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken !== undefined) h['x-csrf-token'] = csrfToken;
  return h;
}

async function problemOf(res: Response): Promise<ApiError> {
  let p: { code?: string; detail?: string; title?: string; field?: string; errors?: { field?: string }[] } = {};
  try {
    p = (await res.json()) as typeof p;
  } catch {
    /* not JSON: keep the status */
  }
  const field = p.field ?? p.errors?.[0]?.field;
  return new ApiError(res.status, p.code ?? `http_${res.status}`, p.detail ?? p.title ?? res.statusText, field);
}

/** GET `path` asking for `accept` (a download: a PDF, a ZIP…); resolves to the response once it is 2xx, else throws its problem. */
export async function fetchOk(path: string, accept: string, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(path, { headers: { accept }, credentials: 'same-origin', ...(signal ? { signal } : {}) });
  if (!res.ok) throw await problemOf(res);
  return res;
}

/** `method path` with an optional JSON body; resolves to the parsed JSON answer (undefined for 204). */
export async function api<T = unknown>(method: string, path: string, body?: unknown, init?: { signal?: AbortSignal; headers?: Record<string, string> }): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: headersFor(method, body === undefined ? init?.headers : { 'content-type': 'application/json', ...init?.headers }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(init?.signal ? { signal: init.signal } : {}),
  });
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A multipart POST with upload progress (fetch cannot report it); resolves to the JSON answer. */
export function upload<T = unknown>(path: string, form: FormData, onProgress?: (sent: number, total: number) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(headersFor('POST'))) xhr.setRequestHeader(k, v);
    xhr.responseType = 'text';
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, e.total);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the connection failed'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'cancelled'));
    xhr.onload = () => {
      let p: Record<string, unknown> = {};
      try {
        p = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        /* keep empty */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(p as T);
      else reject(new ApiError(xhr.status, String(p.code ?? `http_${xhr.status}`), String(p.detail ?? xhr.statusText), p.field as string | undefined));
    };
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}
