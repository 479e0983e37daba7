import { type DoctorSettings, hostOf, isBareIp } from './options.js';
import { type CheckMeta, type CheckResult, fail, pass, warn } from './types.js';

export const HTTPS_CHECK: CheckMeta = { id: 'https', title: 'URL uses HTTPS' };
export const HOST_NAME_CHECK: CheckMeta = { id: 'host-name', title: 'URL names a host, not a bare IP' };

export function checkHttps(settings: DoctorSettings): CheckResult {
  if (settings.url.protocol === 'https:') return pass(HTTPS_CHECK, 'the URL is https');
  return fail(
    HTTPS_CHECK,
    `the URL is plain http (${settings.url.origin}); Meta delivers webhooks only over HTTPS`,
    'Serve the endpoint over HTTPS with a certificate from a public CA: put a TLS-terminating proxy ' +
      '(Caddy, nginx, a cloud load balancer) in front of it and use its https:// URL as the Callback URL.',
  );
}

export function checkHostName(settings: DoctorSettings): CheckResult {
  if (!isBareIp(settings.url)) return pass(HOST_NAME_CHECK, `the host is the name ${hostOf(settings.url)}`);
  return warn(
    HOST_NAME_CHECK,
    `the URL uses the bare IP address ${hostOf(settings.url)}`,
    'Use a DNS name: public CAs rarely issue certificates for IP addresses, and a name lets you move ' +
      'the server without editing the Callback URL in the App Dashboard.',
  );
}
