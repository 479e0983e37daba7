import type { StageContext } from './server.js';
import type { Stage } from './stage.js';

/** The background stages for the roles this process runs. */
export function createStages(_context: StageContext): Stage[] {
  return [];
}
