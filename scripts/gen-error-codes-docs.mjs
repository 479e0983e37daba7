// Writes docs/error-codes.md, WhatsApp's error codes as wahook explains them, from the catalog in
// src/whatsapp/error-catalog*.ts (via the build). test/unit/whatsapp/error-catalog.test.ts fails
// when the file is stale.
import { writeFileSync } from 'node:fs';
import { renderErrorCodesMarkdown } from '../dist/whatsapp/error-catalog-markdown.js';

writeFileSync(new URL('../docs/error-codes.md', import.meta.url), renderErrorCodesMarkdown());
console.log('wrote docs/error-codes.md');
