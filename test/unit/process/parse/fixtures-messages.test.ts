import { describe, expect, test } from 'vitest';
import type { MessageContent } from '../../../../src/process/parse/index.js';
import { fixtureItems, messagesIn, PHONE_NUMBER_ID, single, WABA_ID } from './helpers.js';

const LENA = { waId: '4915112345678', userId: null, parentUserId: null, name: 'Lena Vogel', username: null };

const contentsOf = (name: string): MessageContent[] => messagesIn(fixtureItems(name)).map((m) => m.content);

describe('inbound message fixtures', () => {
  test('the escaped text example decodes its unicode and routes by WABA and phone number id', () => {
    const message = single(messagesIn(fixtureItems('text-escaped-unicode')));
    expect(message).toMatchObject({
      wamid: 'wamid.TEST1',
      wabaId: WABA_ID,
      phoneNumberId: PHONE_NUMBER_ID,
      displayPhoneNumber: '4930123456789',
      timestamp: 1767261600,
      type: 'text',
      content: { kind: 'text', body: 'Grüße 👋' },
      from: { waId: '4915112345678', name: 'René' },
      context: null,
      referral: null,
      errors: [],
      groupId: null,
      flags: [],
    });
    expect(message.eventId).toMatch(/^evt_[a-z2-7]{26}$/);
  });

  test('a reply joins the BSUID from the message and the contact, and keeps the replied-to id', () => {
    const message = single(messagesIn(fixtureItems('text-reply-bsuid')));
    expect(message.from).toEqual({ ...LENA, userId: 'DE.8841203399120045771' });
    expect(message.context).toEqual({
      messageId: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjk4QTFCMkMzRDRFNUY2QTdCOAA=',
      from: '4930123456789',
      forwarded: false,
      frequentlyForwarded: false,
      referredProduct: null,
    });
  });

  test('a username user without a phone number is identified by BSUID alone', () => {
    const message = single(messagesIn(fixtureItems('text-username-only')));
    expect(message.from).toEqual({
      waId: null,
      userId: 'DE.8841203399120045771',
      parentUserId: null,
      name: 'Lena V.',
      username: '@lenav',
    });
    expect(message.flags).toEqual([]);
  });

  test('a forwarded image carries its media reference, caption and the newer url', () => {
    const message = single(messagesIn(fixtureItems('image-forwarded')));
    expect(message.context?.forwarded).toBe(true);
    expect(message.content).toEqual({
      kind: 'image',
      caption: 'Receipt',
      media: {
        id: '1209348756102934',
        mimeType: 'image/jpeg',
        sha256: 'k1Zq8m0l2nJ4rT6v8x0zB2d4f6h8j0l2n4p6r8t0v2w=',
        url: expect.stringMatching(/^https:\/\/lookaside\.fbsbx\.com\//),
      },
    });
  });

  test('video, voice note, document and animated sticker each get their own content', () => {
    const [video, audio, document, sticker] = contentsOf('media-video-voice-document-sticker');
    expect(video).toMatchObject({
      kind: 'video',
      caption: 'Leak under the sink',
      media: { id: '884512093344128' },
    });
    expect(audio).toMatchObject({
      kind: 'audio',
      voice: true,
      media: { mimeType: 'audio/ogg; codecs=opus' },
    });
    expect(document).toMatchObject({
      kind: 'document',
      filename: 'contract-2026-014.pdf',
      caption: 'Signed contract',
    });
    expect(sticker).toMatchObject({ kind: 'sticker', animated: true, media: { mimeType: 'image/webp' } });
  });

  test('location, contact cards, template button and order are read with numbers as numbers', () => {
    const [location, contacts, button, order] = contentsOf('location-contacts-button-order');
    expect(location).toMatchObject({
      kind: 'location',
      latitude: 52.520008,
      longitude: 13.404954,
      name: 'Alexanderplatz',
    });
    expect(contacts).toMatchObject({
      kind: 'contacts',
      cards: [
        {
          formattedName: 'Jonas Weber',
          phones: [{ phone: '+49 151 98765432', waId: '4915198765432', type: 'CELL' }],
          emails: [{ email: 'jonas@example.com', type: 'WORK' }],
          org: { company: 'Weber GmbH', department: null, title: null },
        },
      ],
    });
    expect(button).toEqual({ kind: 'button', payload: 'CONFIRM_APPOINTMENT_8812', text: 'Confirm' });
    expect(order).toEqual({
      kind: 'order',
      catalogId: '902341876512345',
      text: 'Please deliver after 6pm',
      items: [
        { productRetailerId: 'SKU-COFFEE-250', quantity: 2, itemPrice: 8.9, currency: 'EUR' },
        { productRetailerId: 'SKU-MUG-01', quantity: 1, itemPrice: 12.5, currency: 'EUR' },
      ],
    });
  });

  test('interactive replies: button, list row, and a Flow whose response JSON is parsed', () => {
    const [button, list, flow] = contentsOf('interactive-replies');
    expect(button).toEqual({
      kind: 'interactive',
      reply: { type: 'button_reply', id: 'reschedule', title: 'Reschedule' },
    });
    expect(list).toMatchObject({
      reply: { type: 'list_reply', id: 'slot_2026_01_08_1000', description: 'Berlin Mitte branch' },
    });
    expect(flow).toEqual({
      kind: 'interactive',
      reply: {
        type: 'nfm_reply',
        name: 'flow',
        body: 'Sent',
        responseJson: '{"flow_token":"ft_71c2","rating":"5","comment":"Quick service"}',
        response: { flow_token: 'ft_71c2', rating: '5', comment: 'Quick service' },
      },
    });
  });

  test('a reaction removal reads as a null emoji whether the emoji is omitted or empty', () => {
    const [added, omitted, empty, revoke] = contentsOf('reactions-and-revoke');
    const target = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjk4QTFCMkMzRDRFNUY2QTdCOAA=';
    expect(added).toEqual({ kind: 'reaction', messageId: target, emoji: '👍' });
    expect(omitted).toEqual({ kind: 'reaction', messageId: target, emoji: null });
    expect(empty).toEqual({ kind: 'reaction', messageId: target, emoji: null });
    expect(revoke).toEqual({
      kind: 'revoke',
      originalMessageId: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjNFQjBBMUMyRDNFNEY1QTZCN0M4RDkA',
    });
  });

  test('a click-to-WhatsApp ad message keeps the whole referral', () => {
    const message = single(messagesIn(fixtureItems('text-ctwa-referral')));
    expect(message.referral).toEqual({
      sourceUrl: 'https://fb.me/4xWinterOffer',
      sourceId: '120231234567890123',
      sourceType: 'ad',
      body: 'Winter service check, 20% off',
      headline: 'Chat with us',
      mediaType: 'image',
      imageUrl: 'https://scontent.xx.fbcdn.net/v/t45.1-example.jpg',
      videoUrl: null,
      thumbnailUrl: null,
      ctwaClid: 'ARAkzX9q-exampleClickId_0123456789',
      welcomeMessageText: 'Hi! How can we help?',
    });
  });

  test('a number change arrives as a system message from the old number naming the new one', () => {
    const message = single(messagesIn(fixtureItems('system-user-changed-number')));
    expect(message.from).toEqual({
      waId: '4915112345678',
      userId: null,
      parentUserId: null,
      name: null,
      username: null,
    });
    expect(message.content).toMatchObject({
      kind: 'system',
      systemType: 'user_changed_number',
      waId: '4917612345678',
      body: 'User Lena Vogel changed from 4915112345678 to 4917612345678',
    });
  });

  test('an unsupported message names the real kind and keeps its message-level error', () => {
    const message = single(messagesIn(fixtureItems('unsupported-poll-creation')));
    expect(message.content).toEqual({ kind: 'unsupported', unsupportedType: 'poll_creation' });
    expect(message.errors).toEqual([
      {
        code: 131051,
        title: 'Message type unknown',
        message: 'Message type unknown',
        details: 'Message type is currently not supported.',
        href: null,
      },
    ]);
    expect(message.flags).toEqual([]);
  });
});
