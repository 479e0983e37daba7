/**
 * Control characters in text that reaches a log line, a reason or a database column. PostgreSQL
 * text cannot hold a NUL at all, so a value with one fails its whole transaction there; the others
 * garble what an operator reads.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTERS_ALL = /[\u0000-\u001f\u007f]/g;

export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTERS.test(text);
}

/** `text` with each control character written as `\uXXXX`, so it can be shown and stored anywhere. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
