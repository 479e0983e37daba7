import type { Assets } from './assets.js';
import { type Html, type HtmlValue, html } from './html.js';

/** The page shell: landmarks, a skip link, the navigation, the search box and the live region. */
export interface PageContext {
  assets: Assets;
  /** The session's CSRF token, put in every form; absent for Bearer requests. */
  csrf: string | undefined;
  /** Whether the viewer may act (sign-out, forms); false on the sign-in page. */
  signedIn: boolean;
  path: string;
}

export const NAV = [
  { href: '/dashboard', label: 'Overview', key: 'o' },
  { href: '/dashboard/messages', label: 'Messages', key: 'm' },
  { href: '/dashboard/requests', label: 'Requests', key: 'r' },
  { href: '/dashboard/inbox', label: 'Inbox', key: 'i' },
  { href: '/dashboard/deliveries', label: 'Deliveries', key: 'd' },
  { href: '/dashboard/subscriptions', label: 'Subscriptions', key: 's' },
] as const;

export interface PageOptions {
  title: string;
  /** The SSE topics whose changes this page shows a "new activity" notice for. */
  live?: readonly string[];
  charts?: boolean;
  body: HtmlValue;
}

export function page(context: PageContext, options: PageOptions): Html {
  const { assets } = context;
  const current = (href: string) =>
    href === '/dashboard' ? context.path === '/dashboard' : context.path.startsWith(href);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${options.title} · wahook</title>
<link rel="stylesheet" href="${assets.url('css')}">
${options.charts ? html`<link rel="stylesheet" href="${assets.url('uplotCss')}">` : ''}
${context.csrf ? html`<meta name="csrf-token" content="${context.csrf}">` : ''}
${options.charts ? html`<script src="${assets.url('uplotJs')}" defer></script>` : ''}
<script src="${assets.url('js')}" defer></script>
</head>
<body data-live="${(options.live ?? []).join(',')}">
<a class="skip" href="#main">Skip to content</a>
${
  context.signedIn
    ? html`<header class="top">
<nav aria-label="Main">
<a class="brand" href="/dashboard">wahook</a>
<ul>${NAV.map(
        (item) =>
          html`<li><a href="${item.href}"${current(item.href) ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
      )}</ul>
</nav>
<form class="search" role="search" method="get" action="/dashboard/messages">
<label for="global-q">Find a message</label>
<input id="global-q" name="q" type="search" placeholder="wamid, phone number or BSUID" autocomplete="off" maxlength="200">
<button type="submit">Find</button>
</form>
<form method="post" action="/dashboard/sign-out">${csrfField(context)}<button type="submit" class="link">Sign out</button></form>
</header>`
    : ''
}
<main id="main" tabindex="-1">
<h1>${options.title}</h1>
<p class="live-pill" id="live-pill" hidden><a href="">New activity: show it</a></p>
${options.body}
</main>
<div id="live-region" class="visually-hidden" aria-live="polite"></div>
${context.signedIn ? helpDialog() : ''}
</body>
</html>`;
}

export function csrfField(context: Pick<PageContext, 'csrf'>): Html {
  return context.csrf ? html`<input type="hidden" name="_csrf" value="${context.csrf}">` : html``;
}

function helpDialog(): Html {
  return html`<dialog id="help" aria-labelledby="help-title">
<h2 id="help-title">Keyboard shortcuts</h2>
<dl class="keys">
<dt><kbd>/</kbd></dt><dd>Focus the message search</dd>
<dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>Next / previous row; <kbd>Enter</kbd> opens it</dd>
${NAV.map((item) => html`<dt><kbd>g</kbd> <kbd>${item.key}</kbd></dt><dd>Go to ${item.label}</dd>`)}
<dt><kbd>?</kbd></dt><dd>This help; <kbd>Esc</kbd> closes it</dd>
</dl>
<form method="dialog"><button type="submit">Close</button></form>
</dialog>`;
}

/** A notice at the top of a page after an action (from the `?done=` of a redirect). */
export function notice(text: string | undefined, kind: 'ok' | 'error' = 'ok'): Html {
  if (!text) return html``;
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/** Times as the dashboard shows them: UTC, to the second, with the full time in a tooltip. */
export function time(ms: number | null | undefined): Html {
  if (ms === null || ms === undefined) return html`<span class="muted">–</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')}</time>`;
}

export function age(ms: number | null, now: number): string {
  if (ms === null) return '–';
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** A bounded count: at most `cap` rows were read, so more shows as "1,000+". */
export function boundedCount(count: number, cap: number): string {
  return count >= cap ? `${cap.toLocaleString('en')}+` : count.toLocaleString('en');
}

export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;
}
