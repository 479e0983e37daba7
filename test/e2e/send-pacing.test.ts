import { afterEach, describe, expect, it } from 'vitest';
import { Bus } from '../../src/observe/bus.js';
import { Sender } from '../../src/send/sender.js';
import { tempStore } from '../helpers/delivery-fixtures.js';
import { FAKE_TOKEN, PHONE_NUMBER_ID, startFakeGraph } from '../helpers/fake-graph.js';

/** The sender's own limits, on one injected clock shared with the fake Graph API. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const hello = { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } };

async function setup(throughput = 80) {
  let now = 1_800_000_000_000;
  const clock = { now: () => now };
  const graph = await startFakeGraph({ clock });
  cleanups.push(graph.close);
  const temp = await tempStore();
  cleanups.push(temp.cleanup);
  const sender = new Sender({
    store: temp.store,
    clock,
    bus: new Bus(),
    target: {
      baseUrl: graph.url,
      version: 'v25.0',
      accessToken: FAKE_TOKEN,
      style: 'cloud',
      timeoutMs: 5_000,
    },
    throughput,
  });
  cleanups.push(() => sender.close());
  return { graph, sender, advance: (ms: number) => (now += ms) };
}

describe('send pacing', () => {
  it('keeps under the pair rate itself instead of learning it from 131056', async () => {
    const { graph, sender, advance } = await setup();
    const statuses: number[] = [];
    for (let i = 0; i < 46; i++) {
      statuses.push(
        (await sender.send({ phone_number_id: PHONE_NUMBER_ID, to: '+972504370045', message: hello })).status,
      );
    }
    expect(statuses.slice(0, 45)).toEqual(Array(45).fill(202));
    const refused = await sender.send({
      phone_number_id: PHONE_NUMBER_ID,
      to: '+972504370045',
      message: hello,
    });
    expect(refused).toMatchObject({ status: 503, retryAfter: 6, body: { error: 'send_throttled' } });
    expect(graph.fake.sends).toHaveLength(45);
    // Another user of the same number is not held back; the first one is again after 6 s.
    expect(
      (await sender.send({ phone_number_id: PHONE_NUMBER_ID, to: '+972504370046', message: hello })).status,
    ).toBe(202);
    advance(6_000);
    expect(
      (await sender.send({ phone_number_id: PHONE_NUMBER_ID, to: '+972504370045', message: hello })).status,
    ).toBe(202);
  });

  it("answers 503 with Retry-After past the number's throughput while the clock stands still", async () => {
    const { graph, sender } = await setup(3);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await sender.send({ phone_number_id: PHONE_NUMBER_ID, to: `+97250437004${i}`, message: hello }))
          .status,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 503]);
    expect(graph.fake.sends).toHaveLength(3);
  });
});
