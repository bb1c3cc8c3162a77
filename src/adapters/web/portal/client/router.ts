/**
 * The portal is one page that draws the route matching `location.pathname` into `<main>`.
 * Same-origin links to known routes navigate with the History API; other links (the verify
 * page, downloads, API documents) load normally.
 */
import type { Text } from './i18n.js';
import type { Account, Session } from './session.js';

export interface PageContext {
  /** `:name` segments of the route's path. */
  params: Record<string, string>;
  query: URLSearchParams;
  session: Session | undefined;
  /** Where the page draws; empty when `render` is called. */
  main: HTMLElement;
  /** Navigates within the portal (pushState) and draws the new route. */
  navigate(path: string): void;
  /** Draws the current route again (after a language switch, sign-in, …). */
  refresh(): void;
  /** Draws the header again (after signing in or out) without touching the page. */
  refreshHeader(): void;
  /** Aborted when the page is left or drawn again: long work (hashing a file) stops then. */
  signal: AbortSignal;
}

export interface Route {
  /** `/deposits/:id` style; matched against the whole pathname. */
  path: string;
  title: Text;
  /** Signed-in account required (`true`), or one of these roles. */
  auth?: true | readonly Account['role'][];
  /** Shown in the header navigation, ordered by `order`; `auth` hides it from who may not use it. */
  nav?: { order: number; label?: Text };
  render(ctx: PageContext): void | Promise<void>;
}

/** The route matching `pathname` and its parameters. */
export function match(routes: readonly Route[], pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = pathname.replace(/\/+$/, '').split('/');
  for (const route of routes) {
    const pat = route.path.replace(/\/+$/, '').split('/');
    if (pat.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pat.length && ok; i++) {
      const p = pat[i]!;
      if (p.startsWith(':')) {
        try {
          params[p.slice(1)] = decodeURIComponent(parts[i]!);
        } catch {
          ok = false;
        }
        ok &&= parts[i] !== '';
      } else ok = p === parts[i];
    }
    if (ok) return { route, params };
  }
  return undefined;
}

/** May `account` open `route`? */
export function allowed(route: Route, account: Account | undefined): boolean {
  if (route.auth === undefined) return true;
  if (account === undefined) return false;
  return route.auth === true || route.auth.includes(account.role);
}
