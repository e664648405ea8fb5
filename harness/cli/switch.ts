// Placeholder until the issue that owns `posfault switch` lands; replaced by that implementation.
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('posfault switch: not built yet\n');
  return 2;
}
