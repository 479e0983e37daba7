import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { buildRequest } from '../../../src/deliver/deliver-one.js';
import { generateSecret, secretProblem, signatureHeaders } from '../../../src/deliver/signing.js';
import type { ClaimedDelivery } from '../../../src/store/delivery-ports.js';

describe('Standard Webhooks signatures', () => {
  it('matches the known-answer vector of the Standard Webhooks reference', () => {
    const headers = signatureHeaders(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1_614_265_330_000,
      '{"test": 2432232314}',
    );
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('is HMAC-SHA256 of "id.timestamp.body" keyed with the decoded secret (the algorithm in the docs)', () => {
    const secret = generateSecret();
    const body = '{"id":"evt_1","data":{"text":"héllo"}}';
    const headers = signatureHeaders(secret, 'evt_1', 1_767_261_600_123, body);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`evt_1.1767261600.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('generates whsec_ secrets of 32 random bytes that validate', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretProblem(secret)).toBeNull();
    expect(generateSecret()).not.toBe(secret);
  });

  it('refuses secrets that are not whsec_ with 24 to 64 bytes of base64', () => {
    expect(secretProblem('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toMatch(/whsec_/);
    expect(secretProblem('whsec_not base64!')).toMatch(/base64/);
    expect(secretProblem(`whsec_${Buffer.alloc(16).toString('base64')}`)).toMatch(/16 bytes/);
  });

  it('signs the exact body it sends, with the event id and the sequence header', () => {
    const secret = generateSecret();
    const delivery: ClaimedDelivery = {
      id: 7,
      lane: 'live',
      batchId: null,
      attempts: 0,
      sequence: 3,
      createdAt: Date.now(),
      event: {
        seq: 42,
        id: 'evt_abc',
        type: 'message.status',
        schemaVersion: 1,
        createdAt: Date.parse('2026-01-31T12:00:00Z'),
        orderingKey: 'wamid.X',
        phoneNumberId: '1065',
        data: { status: 'read' },
      },
      subscription: { id: 'sub_1', url: 'http://127.0.0.1/x', secret, headers: { 'x-tenant': 'acme' } },
    };
    const request = buildRequest(delivery, Date.now(), 15_000);
    expect(request.headers['webhook-id']).toBe('evt_abc');
    expect(request.headers['webhook-sequence']).toBe('3');
    expect(request.headers['x-tenant']).toBe('acme');
    const payload = new Webhook(secret).verify(request.body, request.headers) as Record<string, unknown>;
    expect(payload).toEqual({
      id: 'evt_abc',
      type: 'message.status',
      created_at: '2026-01-31T12:00:00.000Z',
      schema_version: 1,
      ordering_key: 'wamid.X',
      phone_number_id: '1065',
      sequence: 3,
      data: { status: 'read' },
    });
  });
});
