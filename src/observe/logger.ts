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

/**
 * `4915112345678` → `49151******78`: enough to tell numbers apart in a log, not to dial them.
 * Values shorter than a phone number keep at most a quarter of their digits, and never throw.
 */
export function maskPhone(value: string | null | undefined): string | null {
  if (!value) return value ?? null;
  const digits = value.replace(/\D/g, '');
  const long = digits.length >= 10;
  const head = long ? 5 : Math.floor(digits.length / 4);
  const tail = long ? 2 : digits.length >= 6 ? 1 : 0;
  return `${digits.slice(0, head)}${'*'.repeat(digits.length - head - tail)}${digits.slice(digits.length - tail)}`;
}
