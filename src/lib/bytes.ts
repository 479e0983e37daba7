/** Parses `8MiB`, `512KiB`, `3MB`, `1024` (bytes). */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not a size: write bytes or a number with KiB, MiB, KB or MB`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const factor: Record<string, number> = {
    b: 1,
    kb: 1e3,
    kib: 1024,
    mb: 1e6,
    mib: 1024 ** 2,
    gb: 1e9,
    gib: 1024 ** 3,
  };
  return Math.floor(Number(match[1]) * (factor[unit] ?? 1));
}
