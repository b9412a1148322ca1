let counter = 0

/** A username no other test uses. */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}${process.pid % 1000}_${Date.now() % 100000}_${++counter}`
}

export interface TestUser {
  id: number
  username: string
  /** `name=value` for a Cookie header. */
  cookie: string
}

/** Registers a fresh user over HTTP and returns its session cookie. */
export async function registerUser(baseUrl: string, username = uniqueName(), password = 'password123'): Promise<TestUser> {
  const res = await fetch(new URL('/api/auth/register', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`)
  const { user } = await res.json() as { user: { id: number, username: string } }
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!
  return { ...user, cookie }
}

/** Signs in over HTTP (no cookie sent: a new device); returns the response and its session cookie. */
export async function signIn(baseUrl: string, username: string, password = 'password123'): Promise<{ status: number, cookie: string | undefined }> {
  const res = await fetch(new URL('/api/auth/login', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] }
}
