import type { Command } from 'commander';
import { WahookError } from '../../errors.js';
import { isBsuid, phoneRecipient, waIdVariants } from '../../whatsapp/recipient.js';
import type { CliContext } from '../context.js';
import { printAnswer } from '../format/output.js';
import { readCliSettings } from '../settings.js';

interface PhoneFlags {
  readonly region?: string;
  readonly json?: boolean;
}

export function registerPhone(program: Command, ctx: CliContext): void {
  program
    .command('phone')
    .description(
      'Show what a phone number becomes before a send: its E.164 form, type and validity, and the wa_id forms WhatsApp may use for it (Brazil, Mexico, Argentina).',
    )
    .argument('<number>', 'the number as typed, e.g. 050-437-0045 or +972504370045')
    .option('--region <cc>', 'country of a national number (default: WAHOOK_DEFAULT_REGION)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit code: 0 for a valid number, 1 for an invalid one, 2 for bad usage.')
    .action((number: string, flags: PhoneFlags) => {
      const region = flags.region ?? readCliSettings(ctx.env).config.defaultRegion;
      if (isBsuid(number.trim())) {
        const result = { input: number, kind: 'bsuid', valid: true, user_id: number.trim() };
        printAnswer(ctx.stdout, flags.json, result, () => [
          `${number} is a BSUID: it is sent verbatim as "recipient", never as a phone number`,
        ]);
        return;
      }
      const outcome = phoneRecipient(number, region);
      if (!outcome.ok) {
        printAnswer(ctx.stdout, flags.json, { input: number, valid: false, reason: outcome.reason }, () => [
          `invalid: ${outcome.reason}`,
        ]);
        ctx.exitCode = 1;
        return;
      }
      const recipient = outcome.recipient;
      if (recipient.kind !== 'phone') throw new WahookError('internal', 'a phone number parsed as a BSUID');
      const variants = waIdVariants(recipient.e164);
      const result = {
        input: number,
        valid: true,
        e164: recipient.e164,
        country: recipient.country,
        type: recipient.type,
        wa_ids: variants,
      };
      printAnswer(ctx.stdout, flags.json, result, () => [
        `input    ${number}`,
        `E.164    ${recipient.e164}   (what wahook sends as "to")`,
        `country  ${recipient.country ?? 'non-geographic'}`,
        `type     ${(recipient.type ?? 'unknown').toLowerCase()}`,
        `wa_id    ${variants.join(', ')}`,
        ...(variants.length > 1
          ? ['         WhatsApp may use any of these forms for the same subscriber in webhooks.']
          : []),
      ]);
    });
}
