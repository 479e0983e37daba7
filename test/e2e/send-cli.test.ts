import { afterEach, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { FAKE_TOKEN, PHONE_NUMBER_ID, startFakeGraph } from '../helpers/fake-graph.js';
import { startTestServer, TEST_ENV } from '../helpers/server.js';
import { runWahook } from '../unit/cli/run-cli.js';

/** `wahook send --follow` and `wahook phone` against a real server and the fake Graph API. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const graph = await startFakeGraph();
  cleanups.push(graph.close);
  const wahook = await startTestServer({
    stages: createStages,
    env: { WAHOOK_GRAPH_API_URL: graph.url, WAHOOK_GRAPH_ACCESS_TOKEN: FAKE_TOKEN },
  });
  cleanups.push(wahook.cleanup);
  graph.fake.webhooks.configure({ url: `${wahook.url}/webhooks/whatsapp`, appSecret: 'test_app_secret_1' });
  const env = { ...TEST_ENV, WAHOOK_LOG_LEVEL: 'silent' };
  const send = (...args: string[]) =>
    runWahook(['send', '--url', wahook.url, '--phone-number-id', PHONE_NUMBER_ID, ...args], env);
  return { graph, send };
}

describe('wahook send', () => {
  it('prints the normalized number, the request and the wamid, and follows statuses to the end', async () => {
    const { send } = await setup();
    const run = await send(
      '--to',
      '050-437-0045',
      '--region',
      'IL',
      '--template',
      'hello_world',
      '--metadata',
      'guest_id=g-17',
      '--follow',
      '--timeout',
      '5s',
    );
    expect(run.stdout).toMatch(/to {7}050-437-0045 → \+972504370045/);
    expect(run.stdout).toMatch(/request {2}POST .*\/v1\/messages .*"guest_id":"g-17"/);
    expect(run.stdout).toMatch(/accepted id snd_\w+, wamid wamid\./);
    expect(run.stdout).toMatch(/status {3}\S+ {2}sent/);
    expect(run.exitCode).toBe(0);
  });

  it('explains 132000 in the answer and 131026 in the followed status', async () => {
    const { graph, send } = await setup();
    const refused = await send('--to', '+972504370045', '--template', 'hina_invitation', '--lang', 'he');
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(/refused {2}HTTP 422 send_rejected/);
    expect(refused.stdout).toMatch(/WhatsApp error 132000/);
    graph.fake.script({ to: '+972504370046', code: 131026, mode: 'async' });
    const failed = await send(
      '--to',
      '+972504370046',
      '--template',
      'hello_world',
      '--follow',
      '--timeout',
      '20s',
    );
    expect(failed.stdout).toMatch(/status {3}\S+ {2}failed/);
    expect(failed.stdout).toMatch(/error {4}WhatsApp error 131026/);
    expect(failed.exitCode).toBe(1);
  });
});

describe('wahook phone', () => {
  it.each([
    ['0504370045', 'IL'],
    ['050-437-0045', 'IL'],
    ['+972504370045', undefined],
    ['972504370045', undefined],
  ])('turns %s into +972504370045', async (number, region) => {
    const run = await runWahook(['phone', number, ...(region ? ['--region', region] : []), '--json']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      valid: true,
      e164: '+972504370045',
      country: 'IL',
      type: 'MOBILE',
    });
  });

  it('prints the Brazil and Mexico wa_id forms, refuses an invalid number, leaves a BSUID alone', async () => {
    const br = await runWahook(['phone', '+55 11 98765-4321']);
    expect(br.stdout).toMatch(/wa_id {4}5511987654321, 551187654321/);
    const mx = JSON.parse((await runWahook(['phone', '+52 55 1234 5678', '--json'])).stdout);
    expect(mx.wa_ids).toEqual(['525512345678', '5215512345678']);
    const invalid = await runWahook(['phone', '0504370045']);
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stdout).toMatch(/needs a region/);
    const bsuid = await runWahook(['phone', 'US.13491208655302741918']);
    expect(bsuid.stdout).toMatch(/is a BSUID/);
  });
});
