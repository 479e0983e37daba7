/** The richer pieces of message content: contact cards, interactive replies, order items. */

import type { ContactCard, InteractiveReply, OrderItem } from '../../events/content-types.js';
import type { WireContactCard } from '../../whatsapp/payload-schema-message-content.js';
import type { WireMessage } from '../../whatsapp/payload-schema-messages.js';
import { isRecord, orNull } from './normalize.js';

export function contactCardOf(card: WireContactCard): ContactCard {
  return {
    formattedName: orNull(card.name?.formatted_name),
    firstName: orNull(card.name?.first_name),
    lastName: orNull(card.name?.last_name),
    middleName: orNull(card.name?.middle_name),
    prefix: orNull(card.name?.prefix),
    suffix: orNull(card.name?.suffix),
    phones: (card.phones ?? []).map((p) => ({
      phone: orNull(p.phone),
      waId: orNull(p.wa_id),
      type: orNull(p.type),
    })),
    emails: (card.emails ?? []).map((e) => ({ email: orNull(e.email), type: orNull(e.type) })),
    urls: (card.urls ?? []).map((u) => ({ url: orNull(u.url), type: orNull(u.type) })),
    addresses: (card.addresses ?? []).map((a) => ({
      street: orNull(a.street),
      city: orNull(a.city),
      state: orNull(a.state),
      zip: orNull(a.zip),
      country: orNull(a.country),
      countryCode: orNull(a.country_code),
      type: orNull(a.type),
    })),
    org: card.org
      ? {
          company: orNull(card.org.company),
          department: orNull(card.org.department),
          title: orNull(card.org.title),
        }
      : null,
    birthday: orNull(card.birthday),
    vcard: orNull(card.vcard),
    origin: orNull(card.origin),
  };
}

type WireInteractive = NonNullable<WireMessage['interactive']>;

export function interactiveReplyOf(
  interactive: WireInteractive | undefined,
  flags: string[],
): InteractiveReply {
  // `type` names the reply; when it is missing, the one reply object present says the same.
  const type = interactive?.type ?? replyKeyPresent(interactive);
  if (type === 'button_reply') {
    const reply = interactive?.button_reply;
    return { type, id: orNull(reply?.id), title: orNull(reply?.title) };
  }
  if (type === 'list_reply') {
    const reply = interactive?.list_reply;
    return {
      type,
      id: orNull(reply?.id),
      title: orNull(reply?.title),
      description: orNull(reply?.description),
    };
  }
  if (type === 'nfm_reply') {
    const reply = interactive?.nfm_reply;
    const responseJson = orNull(reply?.response_json);
    const response = responseJson === null ? null : parseJsonObject(responseJson);
    if (responseJson !== null && response === null) flags.push('invalid_flow_response_json');
    return { type, name: orNull(reply?.name), body: orNull(reply?.body), responseJson, response };
  }
  if (type === 'call_permission_reply') {
    const reply = interactive?.call_permission_reply;
    return {
      type,
      response: orNull(reply?.response),
      isPermanent: orNull(reply?.is_permanent),
      expirationTimestamp: orNull(reply?.expiration_timestamp),
      responseSource: orNull(reply?.response_source),
    };
  }
  flags.push(`unknown_interactive_type:${type ?? 'missing'}`);
  return { type: 'unknown', interactiveType: orNull(type), raw: interactive ?? null };
}

function replyKeyPresent(interactive: WireInteractive | undefined): string | undefined {
  if (interactive === undefined) return undefined;
  return (['button_reply', 'list_reply', 'nfm_reply', 'call_permission_reply'] as const).find(
    (key) => interactive[key] !== undefined,
  );
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  return isRecord(parsed) ? parsed : null;
}

type WireOrderItems = NonNullable<WireMessage['order']>['product_items'];

export function orderItemsOf(items: WireOrderItems): OrderItem[] {
  return (items ?? []).map((item) => ({
    productRetailerId: orNull(item.product_retailer_id),
    quantity: orNull(item.quantity),
    itemPrice: orNull(item.item_price),
    currency: orNull(item.currency),
  }));
}
