import { postgresBackend } from '../helpers/stores.js';
import { describeStoreContract } from './contract.js';

describeStoreContract('PostgreSQL', postgresBackend('contract'));
