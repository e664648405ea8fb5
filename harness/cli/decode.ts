// Placeholder until the issue that owns `posfault decode` lands; replaced by that implementation.
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('posfault decode: not built yet\n');
  return 2;
}
