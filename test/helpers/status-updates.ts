import type { StatusUpdate } from '../../src/whatsapp/types.js';

export const STATUS_WAMID = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjk4QTFCMkMzRDRFNUY2QTdCOAA=';

/** A status update as the parser yields it, of one outbound message; `extra` overrides any field. */
export function statusUpdate(
  status: string,
  timestamp: number,
  extra: Partial<StatusUpdate> = {},
): StatusUpdate {
  return {
    wamid: STATUS_WAMID,
    status,
    timestamp,
    phoneNumberId: '112233445566778',
    recipient: {
      waId: '4915112345678',
      userId: null,
      parentUserId: null,
      name: null,
      username: null,
      recipientId: '4915112345678',
      recipientType: null,
      participantId: null,
      participantUserId: null,
      participantParentUserId: null,
      participantName: null,
      participantUsername: null,
    },
    bizOpaqueCallbackData: null,
    pricing: null,
    conversation: null,
    errors: [],
    ...extra,
  };
}
