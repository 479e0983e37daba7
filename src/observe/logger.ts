import pino, { type Logger } from 'pino';

/**
 * The process logger. Secrets are redacted by path wherever they might appear, and phone numbers
 * (WhatsApp ids are digits) are masked by `maskPhone` before anything logs them.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'wahook' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-hub-signature-256"]',
          'headers.authorization',
          '*.secret',
          '*.appSecrets',
          '*.adminToken',
          '*.verifyToken',
          'secret',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

/** `4915112345678` → `49151*****78`: enough to tell numbers apart in a log, not to dial them. */
export function maskPhone(value: string | null | undefined): string | null {
  if (!value) return value ?? null;
  const digits = value.replace(/\D/g, '');
  if (digits.length < 6) return '*'.repeat(digits.length);
  return `${digits.slice(0, 5)}${'*'.repeat(digits.length - 7)}${digits.slice(-2)}`;
}
