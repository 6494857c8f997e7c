// The signed-in session. The access token lives only in memory (never in storage, so an injected
// script cannot read it after the fact); the single-use refresh token is kept in sessionStorage so a
// reload of this tab stays signed in, and is rotated on every refresh. Tokens are never logged.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { AuthService, type AuthTokens } from "@gen/socialproof/users/v1/auth_pb";
import { edgeUrl } from "./config";

const REFRESH_KEY = "sp.refresh";
// Refresh this long before expiry so a request never leaves with a token about to die.
const REFRESH_MARGIN_MS = 60_000;

// Auth calls go out without the session interceptor (no token, no retry loop).
const auth = createClient(AuthService, createGrpcWebTransport({ baseUrl: edgeUrl, useBinaryFormat: true }));

let access = "";
let timer: number | undefined;
let inFlight: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

function notify(): void {
  for (const l of listeners) l();
}

export const session = {
  accessToken: (): string => access,
  signedIn: (): boolean => access !== "",
  hasRefreshToken: (): boolean => sessionStorage.getItem(REFRESH_KEY) !== null,

  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },

  /** Stores fresh tokens and schedules the next refresh. */
  accept(tokens: AuthTokens | undefined): void {
    if (!tokens?.accessToken) return;
    access = tokens.accessToken;
    sessionStorage.setItem(REFRESH_KEY, tokens.refreshToken);
    window.clearTimeout(timer);
    const expires = tokens.accessTokenExpireTime ? timestampDate(tokens.accessTokenExpireTime).getTime() : 0;
    const wait = Math.max(5_000, expires - Date.now() - REFRESH_MARGIN_MS);
    timer = window.setTimeout(() => void session.refresh(), wait);
    notify();
  },

  /** Exchanges the refresh token; concurrent callers share one exchange (the token is single use). */
  refresh(): Promise<boolean> {
    const token = sessionStorage.getItem(REFRESH_KEY);
    if (!token) return Promise.resolve(false);
    inFlight ??= auth
      .refreshToken({ refreshToken: token })
      .then((r) => {
        session.accept(r.tokens);
        return true;
      })
      .catch(() => {
        session.clear();
        return false;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  },

  async logout(): Promise<void> {
    const token = sessionStorage.getItem(REFRESH_KEY);
    session.clear();
    // Best effort: the local session is gone either way.
    if (token) await auth.logout({ refreshToken: token }).catch(() => undefined);
  },

  clear(): void {
    access = "";
    window.clearTimeout(timer);
    sessionStorage.removeItem(REFRESH_KEY);
    notify();
  },
};
