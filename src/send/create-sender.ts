import type { Config } from '../config/load.js';
import type { Clock } from '../lib/clock.js';
import type { Bus } from '../observe/bus.js';
import type { SendStore } from '../store/send-ports.js';
import { Sender } from './sender.js';

/** The sender as the settings describe it; without an access token every send answers send_not_configured. */
export function createSender(config: Config, deps: { store: SendStore; clock: Clock; bus: Bus }): Sender {
  const token = config.graphAccessToken;
  return new Sender({
    ...deps,
    target:
      token === undefined
        ? null
        : {
            baseUrl: config.graphApiUrl,
            version: config.graphApiVersion,
            accessToken: token,
            style: config.graphApiStyle,
            timeoutMs: config.graphTimeoutMs,
          },
    defaultRegion: config.defaultRegion,
    throughput: config.sendThroughput,
  });
}
