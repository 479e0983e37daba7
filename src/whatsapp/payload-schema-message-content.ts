/** Wire shapes of the per-type payload of an inbound message (`message[message.type]`). */
import { z } from 'zod';
import { wireArray, wireBoolean, wireNumber, wireObject, wireString } from './payload-schema-common.js';

const mediaShape = {
  id: wireString,
  mime_type: wireString,
  sha256: wireString,
  url: wireString,
  caption: wireString,
};

const contactCardSchema = z.looseObject({
  name: wireObject({
    formatted_name: wireString,
    first_name: wireString,
    last_name: wireString,
    middle_name: wireString,
    prefix: wireString,
    suffix: wireString,
  }),
  phones: wireArray(z.looseObject({ phone: wireString, wa_id: wireString, type: wireString })),
  emails: wireArray(z.looseObject({ email: wireString, type: wireString })),
  urls: wireArray(z.looseObject({ url: wireString, type: wireString })),
  addresses: wireArray(
    z.looseObject({
      street: wireString,
      city: wireString,
      state: wireString,
      zip: wireString,
      country: wireString,
      country_code: wireString,
      type: wireString,
    }),
  ),
  org: wireObject({ company: wireString, department: wireString, title: wireString }),
  birthday: wireString,
  vcard: wireString,
  origin: wireString,
});
export type WireContactCard = z.output<typeof contactCardSchema>;

/** Keys of the message object that hold a type's payload, one per type we understand. */
export const messageContentShape = {
  text: wireObject({ body: wireString }),
  image: wireObject(mediaShape),
  video: wireObject(mediaShape),
  audio: wireObject({ ...mediaShape, voice: wireBoolean }),
  /** On-Premises name of a recorded voice note. */
  voice: wireObject(mediaShape),
  document: wireObject({ ...mediaShape, filename: wireString }),
  sticker: wireObject({ ...mediaShape, animated: wireBoolean }),
  location: wireObject({
    latitude: wireNumber,
    longitude: wireNumber,
    name: wireString,
    address: wireString,
    url: wireString,
  }),
  contacts: wireArray(contactCardSchema),
  interactive: wireObject({
    type: wireString,
    button_reply: wireObject({ id: wireString, title: wireString }),
    list_reply: wireObject({ id: wireString, title: wireString, description: wireString }),
    nfm_reply: wireObject({ name: wireString, body: wireString, response_json: wireString }),
    call_permission_reply: wireObject({
      response: wireString,
      is_permanent: wireBoolean,
      expiration_timestamp: wireNumber,
      response_source: wireString,
    }),
  }),
  button: wireObject({ payload: wireString, text: wireString }),
  reaction: wireObject({ message_id: wireString, emoji: wireString }),
  order: wireObject({
    catalog_id: wireString,
    text: wireString,
    product_items: wireArray(
      z.looseObject({
        product_retailer_id: wireString,
        quantity: wireNumber,
        item_price: wireNumber,
        currency: wireString,
      }),
    ),
  }),
  system: wireObject({
    type: wireString,
    body: wireString,
    wa_id: wireString,
    /** Before webhook v12 the new id of a user who changed number. */
    new_wa_id: wireString,
    user_id: wireString,
    parent_user_id: wireString,
    customer: wireString,
    identity: wireString,
  }),
  unsupported: wireObject({ type: wireString }),
  /** Older name of `unsupported`. */
  unknown: wireObject({ type: wireString }),
  revoke: wireObject({ original_message_id: wireString }),
  edit: wireObject({
    original_message_id: wireString,
    message: z.record(z.string(), z.unknown()).optional().catch(undefined),
  }),
};
