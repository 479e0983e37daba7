import { type DeliveryPlan, type PlanOptions, planDeliveries } from './delivery-plan.js';
import { type ExpectedState, expectedStatesOf } from './expected-state.js';
import { createTraffic, type TrafficOptions } from './traffic.js';

/**
 * A scenario is everything a simulation sends and what a correct receiver must end up with:
 * the POST bodies in dispatch order and the expected final state of every wamid. It is pure and
 * deterministic from its options, so a failing run can be replayed with the same seed.
 */
export interface ScenarioOptions extends TrafficOptions, Omit<PlanOptions, 'seed'> {}

export interface Scenario extends DeliveryPlan {
  readonly expected: ExpectedState[];
}

export function createScenario(options: ScenarioOptions): Scenario {
  const items = createTraffic(options);
  return { ...planDeliveries(items, options), expected: expectedStatesOf(items) };
}
