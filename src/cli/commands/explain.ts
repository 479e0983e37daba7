import type { Command } from 'commander';
import { WahookError } from '../../errors.js';
import { listErrorCodes, lookupErrorCode, META_ERROR_CODES_URL } from '../../whatsapp/error-catalog.js';
import type { CliContext } from '../context.js';
import {
  catalogEntryJson,
  catalogJson,
  renderCatalogEntry,
  renderCatalogTable,
} from '../format/error-codes.js';
import { printAnswer } from '../format/output.js';

interface ExplainFlags {
  readonly json?: boolean;
  readonly list?: boolean;
}

export function registerExplain(program: Command, ctx: CliContext): void {
  program
    .command('explain')
    .description(
      'Explain a WhatsApp error code: what it means, whether retrying helps, what to do, its typical HTTP status and API.',
    )
    .argument('[code]', 'the numeric code from errors[].code, e.g. 131026')
    .option('--json', 'print the catalog entry as JSON')
    .option('--list', 'print every code in the catalog as a table')
    .addHelpText(
      'after',
      '\nExit code: 0 when the code is in the catalog, 2 for a code it does not know or bad usage.',
    )
    .action((code: string | undefined, flags: ExplainFlags) => {
      if (flags.list === true) {
        if (code !== undefined) {
          throw new WahookError('usage', 'give either a code or --list, not both');
        }
        printCatalog(ctx, flags.json === true);
        return;
      }
      if (code === undefined) {
        throw new WahookError('usage', 'which error code? e.g. wahook explain 131026', {
          hint: 'Pass the code from errors[].code, or --list to see every code in the catalog.',
        });
      }
      explainCode(ctx, code, flags.json === true);
    });
}

function explainCode(ctx: CliContext, text: string, json: boolean): void {
  const code = parseCode(text);
  const entry = lookupErrorCode(code);
  if (entry === undefined) {
    throw new WahookError('unknown_error_code', `WhatsApp error code ${code} is not in wahook's catalog`, {
      hint: `Run \`wahook explain --list\` to see every code in the catalog, or look it up on Meta's page: ${META_ERROR_CODES_URL}`,
    });
  }
  printAnswer(ctx.stdout, json, catalogEntryJson(code, entry), () => renderCatalogEntry(code, entry));
  ctx.exitCode = 0;
}

function parseCode(text: string): number {
  const trimmed = text.trim();
  const code = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(code)) {
    throw new WahookError(
      'unknown_error_code',
      `${JSON.stringify(text)} is not a WhatsApp error code: codes are whole numbers such as 131026`,
    );
  }
  return code;
}

function printCatalog(ctx: CliContext, json: boolean): void {
  const entries = listErrorCodes();
  printAnswer(ctx.stdout, json, catalogJson(entries), () => renderCatalogTable(entries));
  ctx.exitCode = 0;
}
