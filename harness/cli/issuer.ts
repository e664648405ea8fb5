// Placeholder until the issue that owns `posfault issuer` lands; replaced by that implementation.
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('posfault issuer: not built yet\n');
  return 2;
}
