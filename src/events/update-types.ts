/**
 * Event types of the typed non-`messages` webhook fields (docs/events.md). Each names what happened
 * in the business's terms (`template.status`), not Meta's field (`message_template_status_update`);
 * the field is in every event's `data.field`.
 */
export const UPDATE_TYPES = {
  templateStatus: 'template.status',
  templateQuality: 'template.quality',
  templateComponents: 'template.components',
  templateCategory: 'template.category',
  phoneNumberQuality: 'phone_number.quality',
  phoneNumberName: 'phone_number.name',
  phoneNumberSecurity: 'phone_number.security',
  businessUsername: 'business.username',
  accountUpdate: 'account.update',
  accountAlert: 'account.alert',
  accountReview: 'account.review',
  accountCapability: 'account.capability',
  flowUpdate: 'flow.update',
  userPreference: 'user.preference',
  userIdChanged: 'user.id_changed',
  callConnect: 'call.connect',
  callTerminate: 'call.terminate',
  callStatus: 'call.status',
  historyChunk: 'history.chunk',
  groupLifecycle: 'group.lifecycle',
  groupParticipants: 'group.participants',
  groupSettings: 'group.settings',
  groupStatus: 'group.status',
  contactSync: 'contact.sync',
  adConversion: 'ad.conversion',
  partnerSolution: 'partner.solution',
  paymentConfiguration: 'payment.configuration',
} as const;

export type UpdateType = (typeof UPDATE_TYPES)[keyof typeof UPDATE_TYPES];
