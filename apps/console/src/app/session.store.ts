import { MediaAssetsClient } from '@media/client';

/** Where the pasted token is remembered, so a reload (and the resume that follows it) needs no second paste. */
const TOKEN_KEY = 'media-console.token';

export function savedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

/** The console is served by the gateway it talks to, so the API is its own origin. */
export function apiBase(): string {
  return window.location.origin;
}

export function clientFor(token: string): MediaAssetsClient {
  // A page has a person waiting on it: two quick retries, not the CLI's patient schedule.
  return new MediaAssetsClient({ baseUrl: apiBase(), token, retry: { retries: 2 } });
}

/** What a token says about itself (tenant, scopes, expiry), read without verifying: only to show it. */
export function describeToken(token: string): { tenant?: string; scopes: string[]; expires?: Date } {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { tenant?: string; scope?: string; exp?: number };
    return { tenant: payload.tenant, scopes: (payload.scope ?? '').split(/\s+/).filter(Boolean), expires: payload.exp ? new Date(payload.exp * 1000) : undefined };
  } catch {
    return { scopes: [] };
  }
}
