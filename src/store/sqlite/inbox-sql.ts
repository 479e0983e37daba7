import type { InboxValues } from '../shared/rows.js';

/** The one INSERT for inbox rows, shared by the writer thread and anything that appends in-process. */
export const INSERT_INBOX_SQL = `INSERT INTO inbox (received_at, source, auth, content_type, headers, body)
  VALUES (?, ?, ?, ?, ?, ?)`;

/** An inbox append as it crosses the thread boundary: plain values, structured-clone friendly. */
export type InboxAppendTuple = InboxValues;
