import type { LookupAddress } from 'node:dns';
import { connect } from 'node:net';
import { describeError } from './dns.js';
import { type DoctorSettings, portOf } from './options.js';
import { type CheckMeta, type CheckResult, fail, pass } from './types.js';

export const TCP_CHECK: CheckMeta = { id: 'tcp', title: 'TCP connection opens' };

export interface TcpOutcome {
  readonly check: CheckResult;
  /** The address every later step connects to, so all checks look at the same server. */
  readonly address: LookupAddress | undefined;
}

export async function checkTcp(
  settings: DoctorSettings,
  addresses: readonly LookupAddress[],
): Promise<TcpOutcome> {
  const port = portOf(settings.url);
  const errors: string[] = [];
  for (const candidate of addresses) {
    const error = await tryConnect(candidate.address, port, settings.stepTimeoutMs);
    if (error === undefined) {
      return { address: candidate, check: pass(TCP_CHECK, `connected to ${endpoint(candidate, port)}`) };
    }
    errors.push(`${endpoint(candidate, port)}: ${error}`);
  }
  return {
    address: undefined,
    check: fail(
      TCP_CHECK,
      `no connection (${errors.join('; ')})`,
      `Make sure the server listens on port ${port} on a public interface and that firewalls and ` +
        'security groups allow inbound connections to it from the internet.',
    ),
  };
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (error: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error) => finish(describeError(error)));
  });
}

function endpoint(address: LookupAddress, port: number): string {
  return address.family === 6 ? `[${address.address}]:${port}` : `${address.address}:${port}`;
}
