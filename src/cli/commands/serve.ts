import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { Secrets } from '../../config/local-mode.js';
import type { Role } from '../../config/settings.js';
import { signMetaBody } from '../../receive/signature.js';
import { WEBHOOK_PATH } from '../../receive/webhook-routes.js';
import { startServer } from '../../server.js';
import { createServeStages } from '../../stages.js';
import { type CliContext, print } from '../context.js';

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'Run the webhook receiver, the processing worker and the delivery loop (WAHOOK_ROLES picks which), with the admin API and /healthz, /readyz, /metrics.',
    )
    .addHelpText(
      'after',
      '\nConfiguration comes from WAHOOK_* environment variables (see docs/configuration.md).\nOn a loopback host with no secrets set, local mode generates them once and prints them.\n' +
        'With --fake-graph (local mode only) it also runs a fake WhatsApp Cloud API, so `wahook send` works with no Meta account.',
    )
    .option(
      '--fake-graph',
      'local mode: send through a fake Graph API run in this process, whose signed status webhooks come back here (WAHOOK_FAKE_GRAPH=true)',
    )
    .action(async (flags: { fakeGraph?: boolean }) => {
      const config = loadConfig(flags.fakeGraph ? { ...ctx.env, WAHOOK_FAKE_GRAPH: 'true' } : ctx.env);
      const server = await startServer(config, { stages: createServeStages, stopSignal: ctx.stopSignal });
      if (server.secrets.localMode) {
        printLocalMode(ctx, server.url, server.secrets, config.dataDir, config.roles);
        if (server.fakeGraph) printFakeGraph(ctx, server.fakeGraph);
      } else print(ctx.stdout, `wahook listening on ${server.url} (roles: ${config.roles.join(', ')})`);
      const signal = await ctx.stopSignal;
      print(ctx.stderr, `received ${signal}: finishing in-flight requests and closing the store…`);
      await server.stop();
      ctx.exitCode = 0;
    });
}

/**
 * Everything a developer needs to try the local server, including a signed request that works as
 * printed. A process without the receiver role has no webhook routes, so it prints only what it
 * serves: a webhook curl line there would answer 404 and send people looking for a bug.
 */
function printLocalMode(
  ctx: CliContext,
  url: string,
  secrets: Secrets,
  dataDir: string,
  roles: readonly Role[],
): void {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '0',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550000000', phone_number_id: '0' },
              statuses: [
                {
                  id: 'wamid.LOCALTEST',
                  status: 'sent',
                  timestamp: '1767261600',
                  recipient_id: '15550000001',
                },
              ],
            },
          },
        ],
      },
    ],
  });
  const signature = signMetaBody(body, secrets.appSecrets[0] ?? '');
  const header = `wahook is running in local mode on ${url} (secrets generated once, kept in ${dataDir}/local-secrets.json)`;
  const statsLine = `  curl --fail -sS -H 'Authorization: Bearer ${secrets.adminToken}' '${url}/v1/stats'`;
  const footer = 'For a public endpoint set WAHOOK_APP_SECRETS, WAHOOK_VERIFY_TOKEN and WAHOOK_ADMIN_TOKEN.';
  const lines = roles.includes('receiver')
    ? [
        header,
        `  webhook URL:   ${url}${WEBHOOK_PATH}`,
        `  app secret:    ${secrets.appSecrets[0]}`,
        `  verify token:  ${secrets.verifyToken}`,
        `  admin token:   ${secrets.adminToken}`,
        '',
        'Send a signed test webhook (answers 200 once stored):',
        `  curl --fail -sS -X POST '${url}${WEBHOOK_PATH}' -H 'Content-Type: application/json' -H 'X-Hub-Signature-256: ${signature}' --data-binary '${body}' -w 'HTTP %{http_code}\\n'`,
        'Verify the handshake and read the stats:',
        `  curl --fail -sS '${url}${WEBHOOK_PATH}?hub.mode=subscribe&hub.verify_token=${secrets.verifyToken}&hub.challenge=hello' -w ' HTTP %{http_code}\\n'`,
        statsLine,
        '',
        footer,
      ]
    : [
        header,
        `  roles:         ${roles.join(', ')} (no receiver: this process serves no webhook routes)`,
        `  admin token:   ${secrets.adminToken}`,
        '',
        'Read the stats:',
        statsLine,
      ];
  for (const line of lines) print(ctx.stdout, line);
}

/** How to send a first message through the in-process fake, as a command that works as printed. */
function printFakeGraph(ctx: CliContext, fake: { url: string; phoneNumberIds: readonly string[] }): void {
  const lines = [
    '',
    `Fake Graph API (no Meta account needed) on ${fake.url}: sends go there, its status webhooks come back here.`,
    `  business numbers: ${fake.phoneNumberIds.join(', ')}`,
    `  control routes:   ${fake.url}/_fake/… (see docs/fake-graph.md)`,
    'Send a message and watch its statuses arrive:',
    `  wahook send --phone-number-id ${fake.phoneNumberIds[0] ?? ''} --to +4915112345678 --text 'Hello' --follow`,
  ];
  for (const line of lines) print(ctx.stdout, line);
}
