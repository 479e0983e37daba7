import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateSecret } from '../../deliver/signing.js';
import { createSubscriptionBody } from '../../deliver/subscription-input.js';
import { createSubscription } from '../../deliver/subscriptions.js';
import { refusedTarget } from '../../deliver/target-policy.js';
import { sendTestEvent } from '../../deliver/test-event.js';
import { describeIssues } from '../../lib/describe-issues.js';
import { formatDuration } from '../../lib/duration.js';
import type { Subscription, SubscriptionBacklog } from '../../store/delivery-ports.js';
import { type Html, html } from '../html.js';
import { age, csrfField, type PageContext, page, time } from '../layout.js';
import type { DashboardServices } from '../routes.js';
import { doneNotice, doneUrl, singleQuery } from './common.js';

/**
 * Subscriptions and their health: state (enabled, disabled and why, paused, the breaker of this
 * process's loop), backlog and the last error of the oldest pending delivery. Actions: add, pause
 * and resume, enable again (after a 410 disabled it), send a signed test event, rotate the secret.
 * A secret is shown once, right after it is made; otherwise only a fingerprint.
 */

export function subscriptionPageRoutes(services: DashboardServices) {
  return async (app: FastifyInstance): Promise<void> => {
    const { store, clock } = services.deps;

    const render = async (
      request: FastifyRequest,
      reply: FastifyReply,
      extra: { result?: Html; status?: number } = {},
    ) => {
      const [subscriptions, backlogs] = await Promise.all([
        store.listSubscriptions(),
        store.subscriptionBacklogs(),
      ]);
      // One indexed read per subscription: the oldest pending delivery says what is failing now.
      const oldest = await Promise.all(
        subscriptions.map((s) => store.listDeliveries({ state: 'pending', subscriptionId: s.id, limit: 1 })),
      );
      const context = services.context(request);
      const body = html`${doneNotice(singleQuery(request.query))}${extra.result ?? ''}
${
  subscriptions.length === 0
    ? html`<p class="muted">No subscriptions yet: add one below, or list them in WAHOOK_SUBSCRIPTIONS_FILE.</p>`
    : html`<table>
<thead><tr><th scope="col">Subscription</th><th scope="col">State</th><th scope="col">Pending</th><th scope="col">Dead</th><th scope="col">Last error</th><th scope="col">Actions</th></tr></thead>
<tbody>${subscriptions.map((s, index) =>
        row(
          context,
          s,
          backlogs.find((b) => b.subscriptionId === s.id),
          oldest[index]?.[0]?.lastError ?? null,
          services.deps.breakerState?.(s.id),
          clock.now(),
        ),
      )}</tbody>
</table>`
}
${addForm(context)}`;
      return services.send(
        reply,
        page(context, { title: 'Subscriptions', live: ['subscriptions'], body }),
        extra.status ?? 200,
      );
    };

    app.get('/dashboard/subscriptions', (request, reply) => render(request, reply));

    app.post('/dashboard/subscriptions', async (request, reply) => {
      const form = singleQuery(request.body);
      const events = (form.events ?? '*')
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      const parsed = createSubscriptionBody.safeParse({
        url: form.url ?? '',
        events: events.length ? events : ['*'],
        ...(form.description ? { description: form.description } : {}),
        ...batchField(form),
      });
      const problem = parsed.success
        ? refusedTarget(parsed.data.url, { allowPrivate: services.deps.allowPrivate })
        : describeIssues(parsed.error);
      if (!parsed.success || problem) {
        return render(request, reply, {
          result: html`<p class="notice error" role="alert">Not added: ${problem ?? 'invalid form'}</p>`,
          status: 400,
        });
      }
      const subscription = await createSubscription(store, parsed.data, clock.now());
      request.log.info({ subscriptionId: subscription.id }, 'dashboard: subscription added');
      return render(request, reply, { result: secretOnce(subscription, 'added') });
    });

    const withSubscription =
      (action: (s: Subscription, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const subscription = await store.getSubscription((request.params as { id: string }).id);
        if (!subscription) {
          return render(request, reply, {
            result: html`<p class="notice error" role="alert">No such subscription.</p>`,
            status: 404,
          });
        }
        return action(subscription, request, reply);
      };

    app.post(
      '/dashboard/subscriptions/:id/pause',
      withSubscription(async (s, request, reply) => {
        await store.setSubscriptionPaused(s.id, true, clock.now());
        request.log.info({ subscriptionId: s.id }, 'dashboard: subscription paused');
        return reply.redirect(doneUrl('/dashboard/subscriptions', 'paused'), 303);
      }),
    );
    app.post(
      '/dashboard/subscriptions/:id/resume',
      withSubscription(async (s, request, reply) => {
        await store.setSubscriptionPaused(s.id, false, clock.now());
        request.log.info({ subscriptionId: s.id }, 'dashboard: subscription resumed');
        return reply.redirect(doneUrl('/dashboard/subscriptions', 'resumed'), 303);
      }),
    );
    app.post(
      '/dashboard/subscriptions/:id/enable',
      withSubscription(async (s, request, reply) => {
        await store.updateSubscription(s.id, { enabled: true }, clock.now());
        request.log.info({ subscriptionId: s.id }, 'dashboard: subscription enabled');
        return reply.redirect(doneUrl('/dashboard/subscriptions', 'enabled'), 303);
      }),
    );
    app.post(
      '/dashboard/subscriptions/:id/rotate',
      withSubscription(async (s, request, reply) => {
        const updated = await store.updateSubscription(s.id, { secret: generateSecret() }, clock.now());
        request.log.info({ subscriptionId: s.id }, 'dashboard: subscription secret rotated');
        return render(request, reply, { result: updated ? secretOnce(updated, 'rotated') : html`` });
      }),
    );
    app.post(
      '/dashboard/subscriptions/:id/test',
      withSubscription(async (s, request, reply) => {
        const result = await sendTestEvent(s, {
          now: clock.now(),
          timeoutMs: services.deps.deliveryTimeoutMs,
          allowPrivate: services.deps.allowPrivate,
        });
        request.log.info(
          { subscriptionId: s.id, outcome: result.outcome, status: result.status },
          'dashboard: test event sent',
        );
        const ok = result.outcome === 'success';
        return render(request, reply, {
          result: html`<p class="notice ${ok ? 'ok' : 'error'}" role="${ok ? 'status' : 'alert'}">Test event <code>${result.eventId}</code> to ${s.id}: ${ok ? '✓ accepted' : '✗ not accepted'}${result.status === null ? '' : html`, HTTP ${result.status}`}, ${result.latencyMs} ms${result.error ? html`: ${result.error}` : ''}.</p>`,
        });
      }),
    );
  };
}

/** A URL as shown: its query string (which may hold a token) is cut. */
function shownUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}

export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 8);
}

function row(
  context: PageContext,
  s: Subscription,
  backlog: SubscriptionBacklog | undefined,
  lastError: string | null,
  breaker: string | undefined,
  now: number,
): Html {
  const state = !s.enabled
    ? html`<span class="state-bad">✗ disabled</span>${s.disabledReason ? html`<br><span class="small">${s.disabledReason}</span>` : ''}`
    : s.pausedAt !== null
      ? html`<span class="state-warn">⏸ paused</span><br><span class="small">since ${time(s.pausedAt)}</span>`
      : html`<span class="state-ok">✓ active</span>`;
  const form = (action: string, label: string, confirm?: string, primary = false) =>
    html`<form method="post" action="/dashboard/subscriptions/${s.id}/${action}"${confirm ? html` data-confirm="${confirm}"` : ''}>${csrfField(context)}<button type="submit"${primary ? html` class="primary"` : ''} aria-label="${label} ${s.id}">${label}</button></form>`;
  return html`<tr data-row id="sub-${s.id}">
<td><strong>${s.id}</strong>${s.description ? html` <span class="muted">${s.description}</span>` : ''}<br><code class="small">${shownUrl(s.url)}</code><br><span class="muted small">events ${s.events.join(', ')}${s.batch ? html` · batches of ${s.batch.maxEvents}, ${formatDuration(s.batch.maxWaitMs)}` : ''} · ${s.source} · secret ${fingerprint(s.secret)}…</span></td>
<td>${state}${breaker && breaker !== 'closed' ? html`<br><span class="state-bad">circuit ${breaker.replace('_', '-')}</span>` : ''}</td>
<td><a href="/dashboard/deliveries?subscription=${s.id}">${backlog?.pending ?? 0}</a><br><span class="muted small">oldest ${age(backlog?.oldestPendingAt ?? null, now)}</span></td>
<td><a href="/dashboard/deliveries?state=dead&amp;subscription=${s.id}">${backlog?.dead ?? 0}</a></td>
<td>${lastError ?? '–'}</td>
<td class="actions">
${!s.enabled ? form('enable', 'Enable again', `Enable ${s.id} again? New events are delivered to it.`, true) : ''}
${s.enabled && s.pausedAt === null ? form('pause', 'Pause') : ''}
${s.enabled && s.pausedAt !== null ? form('resume', 'Resume') : ''}
${form('test', 'Send test event', `Send a signed test event to ${shownUrl(s.url)}?`)}
${form('rotate', 'Rotate secret', `Rotate the secret of ${s.id}? The subscriber must take the new one at once.`)}
</td>
</tr>`;
}

function secretOnce(s: Subscription, what: 'added' | 'rotated'): Html {
  return html`<section class="card" aria-labelledby="secret-h"><h2 id="secret-h">Subscription ${s.id} ${what}</h2>
<p role="status">Its signing secret, shown this once (the subscriber verifies the <code>webhook-signature</code> header with it):</p>
<pre>${s.secret}</pre></section>`;
}

/** `batch` of the form: the events per POST when given (the schema checks both fields). */
function batchField(form: Record<string, string | undefined>): {
  batch?: { max_events: number; max_wait: string };
} {
  const maxEvents = form.batch_max_events?.trim();
  if (!maxEvents) return {};
  return { batch: { max_events: Number(maxEvents), max_wait: form.batch_max_wait?.trim() || '1s' } };
}

function addForm(context: PageContext): Html {
  return html`<section aria-labelledby="add-h" class="card">
<h2 id="add-h">Add a subscription</h2>
<form class="narrow" method="post" action="/dashboard/subscriptions">${csrfField(context)}
<label for="s-url">URL</label><input id="s-url" name="url" type="url" required placeholder="https://erp.example.com/whatsapp-events" maxlength="2000">
<label for="s-events">Events (comma-separated; * for all)</label><input id="s-events" name="events" value="*" maxlength="500">
<label for="s-desc">Description</label><input id="s-desc" name="description" maxlength="200">
<label for="s-batch">Events per POST, as a JSON array (empty: one event per POST)</label><input id="s-batch" name="batch_max_events" type="number" min="1" max="1000" inputmode="numeric">
<label for="s-wait">Longest wait for a partial batch</label><input id="s-wait" name="batch_max_wait" value="1s" maxlength="20">
<button type="submit" class="primary">Add</button>
</form>
</section>`;
}
