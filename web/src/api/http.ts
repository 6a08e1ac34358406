// One typed client per service (openapi-fetch over the generated schema types), all through the
// platform's one address. Browsers sign in with cookies: `mq_access` (HttpOnly) rides along by itself;
// unsafe methods add `X-CSRF-Token` from the readable `mq_csrf` cookie. A 401 tries one refresh.
import createClient, { type Middleware } from 'openapi-fetch'

export interface FieldError { field: string | null; rule: string; message: string }
export interface ErrorBody { error: FieldError & { code: string; errors?: FieldError[] } }

/** A refused call: the service's message (Chinese with English) and, for 422s, each field's error. */
export class ApiError extends Error {
  constructor(public status: number, public body: ErrorBody | null) {
    super(body?.error?.message ?? `请求失败 (HTTP ${status})`)
  }
  /** field path (e.g. `petitioners.0.phone`) → message, for showing beside each form field. */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {}
    const e = this.body?.error
    for (const f of e?.errors ?? (e ? [e] : [])) if (f.field && !(f.field in out)) out[f.field] = f.message
    return out
  }
}

export function cookie(name: string): string | null {
  const m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'))
  return m ? decodeURIComponent(m[1]) : null
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
let refreshing: Promise<boolean> | null = null
export let onSignedOut: () => void = () => {}
export function setSignedOutHandler(fn: () => void): void { onSignedOut = fn }

async function refresh(): Promise<boolean> {
  refreshing ??= fetch('/identity/auth/refresh', {
    method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': cookie('mq_csrf') ?? '' },
  }).then((r) => r.ok).catch(() => false).finally(() => { refreshing = null })
  return refreshing
}

const session: Middleware = {
  onRequest({ request }) {
    if (UNSAFE.has(request.method)) {
      const token = cookie('mq_csrf')
      if (token) request.headers.set('X-CSRF-Token', token)
    }
    return request
  },
}

/** The refusal a request that never reached a service becomes (offline, connection dropped, proxy down):
 * the person reads Chinese, not the browser's "TypeError: Failed to fetch". */
export const NETWORK_FAILURE = '网络连接失败，请检查网络后重试（请求未到达服务）'

export async function send(request: Request): Promise<Response> {
  try {
    return await fetch(request)
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e  // the page cancelled it
    throw new ApiError(0, { error: { code: 'network', field: null, rule: 'reachable', message: NETWORK_FAILURE } })
  }
}

export function serviceClient<Paths extends {}>(prefix: string, { retryOn401 = true } = {}) {
  const fetchWithRefresh = async (input: Request): Promise<Response> => {
    const retry = input.clone()
    const res = await send(input)
    if (res.status !== 401 || !retryOn401 || input.url.includes('/identity/auth/')) return res
    if (!(await refresh())) { onSignedOut(); return res }
    const token = cookie('mq_csrf')
    if (token && UNSAFE.has(retry.method)) retry.headers.set('X-CSRF-Token', token)
    return send(retry)
  }
  const client = createClient<Paths>({ baseUrl: prefix, credentials: 'same-origin', fetch: fetchWithRefresh })
  client.use(session)
  return client
}

/** The data of an openapi-fetch answer, or an ApiError carrying the service's error body. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call
  if (!response.ok || data === undefined) {
    throw new ApiError(response.status, (error as ErrorBody) ?? null)
  }
  return data
}
