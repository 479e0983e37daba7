import { adminRequest, httpRequest } from '../../helpers/server.js';
import { signedHeaders, TEST_ADMIN_TOKEN } from '../../helpers/signing.js';
import { waitFor } from '../../helpers/wait.js';

/** Status webhooks as Meta sends them, posted to a real test server, for the CLI tests. */

export interface StatusItem {
  id: string;
  status: string;
  /** Unix seconds, the sender's timestamp. */
  timestamp: number;
  recipient_id?: string;
  errors?: { code: number; title: string; message: string; error_data: { details: string } }[];
}

export function statusBody(statuses: readonly StatusItem[]): string {
  const items = statuses.map((item) => ({ ...item, timestamp: String(item.timestamp) }));
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '301234567890123',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '4930123456789', phone_number_id: '112233445566778' },
              statuses: items,
            },
          },
        ],
      },
    ],
  });
}

/** POSTs a signed webhook and fails unless the server stored it (200). */
export async function postSignedWebhook(baseUrl: string, body: string): Promise<void> {
  const answer = await httpRequest(`${baseUrl}/webhooks/whatsapp`, {
    method: 'POST',
    headers: signedHeaders(body),
    body,
  });
  if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}: ${answer.text()}`);
}

/** Waits until the processing worker has merged the message into the status given. */
export async function waitForMessageStatus(baseUrl: string, wamid: string, status: string): Promise<void> {
  await waitFor(async () => {
    const answer = await adminRequest(baseUrl, `/v1/messages/${encodeURIComponent(wamid)}`, {
      token: TEST_ADMIN_TOKEN,
    });
    return answer.status === 200 && answer.json<{ status: string }>().status === status;
  }, `message ${wamid} to reach ${status}`);
}
