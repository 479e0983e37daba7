import type { PlannedDelivery, PlanOptions } from './delivery-plan.js';
import type { ExpectedState } from './expected-state.js';
import { buildFixture } from './fixtures.js';
import { serializeMetaBytes } from './meta-json.js';
import { type SimulationSummary, summarize } from './report.js';
import { createScenario } from './scenario.js';
import { type SenderOptions, sendDeliveries } from './sender.js';
import { verifyExpectedStates } from './verify.js';

/**
 * A whole simulation run: build what to send (a scenario or one fixture), send it like Meta, then
 * optionally check the receiver's end state. The CLI only parses arguments and prints this.
 */
export type SimulationSource =
  | ({
      readonly kind: 'scenario';
      readonly messages: number;
      readonly inbound: number;
    } & Omit<PlanOptions, 'seed'>)
  | { readonly kind: 'fixture'; readonly name: string };

export interface SimulationOptions extends Omit<SenderOptions, 'seed'> {
  readonly seed: string;
  /** Unix seconds of the first sender timestamp. */
  readonly startTime: number;
  readonly source: SimulationSource;
  readonly verify?: {
    readonly baseUrl: string;
    readonly adminToken: string | undefined;
    readonly timeoutMs: number;
  };
}

interface Plan {
  readonly deliveries: PlannedDelivery[];
  readonly expected: ExpectedState[];
  readonly reordered: number;
}

function planFor(options: SimulationOptions): Plan {
  const { source } = options;
  if (source.kind === 'fixture') {
    const fixture = buildFixture(source.name, { seed: options.seed, now: options.startTime });
    const body = serializeMetaBytes(fixture.payload);
    return {
      deliveries: [{ index: 0, batch: 0, body, itemCount: fixture.itemCount, duplicate: false }],
      expected: fixture.expected,
      reordered: 0,
    };
  }
  const scenario = createScenario({ ...source, seed: options.seed, startTime: options.startTime });
  return { deliveries: scenario.deliveries, expected: scenario.expected, reordered: scenario.reorderedCount };
}

export interface SimulationResult {
  readonly summary: SimulationSummary;
  readonly expected: ExpectedState[];
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const plan = planFor(options);
  const records = await sendDeliveries(plan.deliveries, options);
  // A stopped run has nothing complete to verify.
  const verification =
    options.verify === undefined || options.signal?.aborted === true
      ? null
      : await verifyExpectedStates(plan.expected, { ...options.verify, signal: options.signal });
  const summary = summarize({
    seed: options.seed,
    url: options.url,
    records,
    reordered: plan.reordered,
    verification,
  });
  return { summary, expected: plan.expected };
}
