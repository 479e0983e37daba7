import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../lib/clock.js';
import { secureEqual } from '../lib/secure-compare.js';
import type { Wakeups } from '../lib/wakeups.js';
import type { Bus } from '../observe/bus.js';
import type { Store } from '../store/ports.js';
import { Assets } from './assets.js';
import { html } from './html.js';
import { type PageContext, page } from './layout.js';
import { liveRoutes } from './live.js';
import { deliveryRoutes } from './pages/deliveries.js';
import { inboxRoutes } from './pages/inbox.js';
import { messageRoutes } from './pages/messages.js';
import { overviewRoutes } from './pages/overview.js';
import { requestRoutes } from './pages/requests.js';
import { subscriptionPageRoutes } from './pages/subscriptions.js';
import { MinuteSeries } from './series.js';
import { readCookie, SESSION_COOKIE, type Session, SessionKeys, sessionCookie } from './session.js';
import { SignInLimiter } from './sign-in-limiter.js';

/**
 * /dashboard: server-rendered pages over the same store queries as /v1, served by every role.
 *
 * Auth: a request with `Authorization: Bearer <admin token>` passes as it is (curl, tests); a
 * browser signs in once with the token and gets an HttpOnly, SameSite=Strict session cookie. Every
 * POST from a session carries the CSRF token (a hidden field or the x-csrf-token header), and one
 * that names another Origin is refused. Every answer carries a strict CSP: scripts and styles only
 * from /dashboard/assets, nothing inline, no framing.
 */
export interface DashboardDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  /** A replay from a page wakes delivery as the API's does. */
  wakeups: Pick<Wakeups, 'signal'>;
  adminToken: string;
  /** Per subscription, the breaker state of this process's delivery loop (role delivery only). */
  breakerState?: (subscriptionId: string) => string;
  /** WAHOOK_DELIVERY_ALLOW_PRIVATE: subscriptions may point at loopback or private addresses. */
  allowPrivate: boolean;
  /** WAHOOK_DELIVERY_TIMEOUT: a test event from a page waits as long as a delivery would. */
  deliveryTimeoutMs: number;
}

export interface DashboardServices {
  deps: DashboardDeps;
  assets: Assets;
  series: MinuteSeries;
  context(request: FastifyRequest): PageContext;
  /** Renders a page as the answer, with its status. */
  send(reply: FastifyReply, body: { toString(): string }, status?: number): FastifyReply;
}

export type Auth = { kind: 'bearer' } | { kind: 'session'; session: Session };

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on our own forms.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const PUBLIC_PATHS = new Set(['/dashboard/sign-in']);

export function dashboardRoutes(deps: DashboardDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    const assets = new Assets();
    const keys = new SessionKeys(deps.adminToken);
    const series = new MinuteSeries(deps.bus, () => deps.clock.now());
    const auths = new WeakMap<FastifyRequest, Auth>();
    app.addHook('onClose', async () => series.close());

    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );

    app.addHook('onSend', async (_request, reply, payload) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (path.startsWith('/dashboard/assets/') || PUBLIC_PATHS.has(path)) return;
      const auth = authenticate(request, reply);
      if (!auth) {
        if (request.method === 'GET') {
          const next = encodeURIComponent(request.url);
          return reply.redirect(`/dashboard/sign-in?next=${next}`, 303);
        }
        return reply.code(401).type('text/plain; charset=utf-8').send('sign in first: /dashboard/sign-in');
      }
      auths.set(request, auth);
    });

    // Mutations: a session must carry its CSRF token and come from this origin; Bearer needs neither
    // (a browser never adds that header by itself).
    app.addHook('preHandler', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      const path = request.url.split('?')[0] ?? '';
      if (PUBLIC_PATHS.has(path)) return;
      const auth = auths.get(request);
      if (auth?.kind !== 'session') return;
      const origin = request.headers.origin;
      const site = request.headers['sec-fetch-site'];
      const foreign =
        (origin !== undefined && origin !== `${request.protocol}://${request.host}`) ||
        (site !== undefined && site !== 'same-origin' && site !== 'none');
      if (foreign) {
        return reply
          .code(403)
          .type('text/plain; charset=utf-8')
          .send('refused: the form came from another site');
      }
      const body = request.body as Record<string, unknown> | undefined;
      const given = request.headers['x-csrf-token'] ?? body?._csrf;
      if (!keys.checkCsrf(auth.session, given)) {
        return reply
          .code(403)
          .type('text/plain; charset=utf-8')
          .send('refused: the form is missing its CSRF token or it is stale; reload the page and try again');
      }
    });

    function authenticate(request: FastifyRequest, reply: FastifyReply): Auth | undefined {
      const header = request.headers.authorization;
      if (typeof header === 'string' && header.startsWith('Bearer ')) {
        return secureEqual(header.slice(7), deps.adminToken) ? { kind: 'bearer' } : undefined;
      }
      const now = deps.clock.now();
      const session = keys.open(readCookie(request.headers.cookie, SESSION_COOKIE), now);
      if (!session) return undefined;
      const refreshed = keys.refreshed(session, now);
      if (refreshed) reply.header('set-cookie', sessionCookie(refreshed, request.protocol === 'https'));
      return { kind: 'session', session };
    }

    const services: DashboardServices = {
      deps,
      assets,
      series,
      context(request) {
        const auth = auths.get(request);
        return {
          assets,
          csrf: auth?.kind === 'session' ? keys.csrfToken(auth.session) : undefined,
          signedIn: auth !== undefined,
          path: request.url.split('?')[0] ?? '',
        };
      },
      send(reply, body, status = 200) {
        return reply.code(status).type('text/html; charset=utf-8').send(body.toString());
      },
    };

    app.get('/dashboard/assets/:name', async (request, reply) => {
      const asset = assets.byName.get((request.params as { name: string }).name);
      if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('no such asset');
      return reply
        .header('cache-control', 'public, max-age=31536000, immutable')
        .type(asset.type)
        .send(asset.body);
    });

    const signInLimiter = new SignInLimiter(deps.clock);

    app.get('/dashboard/sign-in', async (request, reply) => {
      const { next } = request.query as { next?: string };
      return services.send(reply, signInPage(services, request, safeNext(next)));
    });

    app.post('/dashboard/sign-in', async (request, reply) => {
      const body = (request.body ?? {}) as { token?: unknown; next?: unknown };
      const next = safeNext(typeof body.next === 'string' ? body.next : undefined);
      const waitMs = signInLimiter.blockedFor(request.ip);
      if (waitMs > 0) {
        return reply
          .code(429)
          .header('retry-after', String(Math.ceil(waitMs / 1000)))
          .type('text/plain; charset=utf-8')
          .send(`too many wrong tokens from this address; try again in ${Math.ceil(waitMs / 60_000)} min`);
      }
      if (typeof body.token !== 'string' || !secureEqual(body.token.trim(), deps.adminToken)) {
        signInLimiter.failed(request.ip);
        request.log.info({ remote: request.ip }, 'dashboard sign-in refused');
        return services.send(reply, signInPage(services, request, next, true), 401);
      }
      const { cookie } = keys.issue(deps.clock.now());
      request.log.info({ remote: request.ip }, 'dashboard sign-in');
      return reply
        .header('set-cookie', sessionCookie(cookie, request.protocol === 'https'))
        .redirect(next, 303);
    });

    app.post('/dashboard/sign-out', async (request, reply) => {
      return reply
        .header('set-cookie', sessionCookie('', request.protocol === 'https', 0))
        .redirect('/dashboard/sign-in', 303);
    });

    await app.register(liveRoutes(services));
    await app.register(overviewRoutes(services));
    await app.register(messageRoutes(services));
    await app.register(requestRoutes(services));
    await app.register(inboxRoutes(services));
    await app.register(deliveryRoutes(services));
    await app.register(subscriptionPageRoutes(services));
  };
}

/** Only a path inside the dashboard, never another host (`//evil.example`). */
function safeNext(next: string | undefined): string {
  return next && /^\/dashboard(?:[/?#]|$)/.test(next) && !next.startsWith('//') ? next : '/dashboard';
}

function signInPage(services: DashboardServices, request: FastifyRequest, next: string, failed = false) {
  return page(
    { ...services.context(request), signedIn: false, csrf: undefined },
    {
      title: 'Sign in',
      body: html`<form class="card narrow" method="post" action="/dashboard/sign-in">
${failed ? html`<p class="notice error" role="alert" id="token-error">That is not the admin token.</p>` : ''}
<p>Paste the admin token (<code>WAHOOK_ADMIN_TOKEN</code>; in local mode <code>wahook serve</code> prints it at start).</p>
<label for="token">Admin token</label>
<input id="token" name="token" type="password" required autocomplete="current-password" autofocus${failed ? html` aria-invalid="true" aria-describedby="token-error"` : ''}>
<input type="hidden" name="next" value="${next}">
<button type="submit">Sign in</button>
<p class="muted">The session lasts a day at most, and ends after 4 hours unused.</p>
</form>`,
    },
  );
}
