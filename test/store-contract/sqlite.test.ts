import { sqliteBackend } from '../helpers/stores.js';
import { describeStoreContract } from './contract.js';

describeStoreContract('SQLite', sqliteBackend('contract'));
