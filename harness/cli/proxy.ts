// Placeholder until the issue that owns `posfault proxy` lands; replaced by that implementation.
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('posfault proxy: not built yet\n');
  return 2;
}
