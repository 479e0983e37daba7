import { WahookError } from '../../errors.js';
import type { Store } from '../ports.js';

export async function createPostgresStore(_url: string): Promise<Store> {
  throw new WahookError('config_invalid', 'the PostgreSQL store is not available in this version', {
    hint: 'Use WAHOOK_DATABASE_URL=sqlite:./data/wahook.db.',
  });
}
