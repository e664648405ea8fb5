// Run as a child process: one sale through a fleet, announcing on stdout when the 0200 has left ("sent") and, when
// asked to, when the approval was journalled and the receipt is printing ("printing"), so that the parent can kill
// the process (SIGKILL: a power cut) at that point.
import type { PrinterSink } from '../../../harness/printers';
import { createFleet } from '../../../harness/terminal';
import { FIRST_ID, merchantOf, SEED } from './stack';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as { port: number; storePath: string; pan: string; expiry: string; amount: number; stuckPrinter?: boolean };
  // A printer that takes the job and never answers: the power goes off while the receipt is printing.
  const stuck: PrinterSink = {
    print: () => {
      process.stdout.write('printing\n');
      return new Promise(() => undefined);
    },
  };
  const fleet = await createFleet({
    switchAddress: { host: '127.0.0.1', port: args.port },
    seed: SEED,
    terminals: { firstId: FIRST_ID, count: 8, merchantId: merchantOf },
    mode: 'long',
    timeouts: { responseMs: 30_000, printMs: 30_000 },
    storePath: args.storePath,
    ...(args.stuckPrinter === true ? { printers: { sink: () => stuck, onNotPrinted: 'reverse' as const } } : {}),
  });
  fleet.onMessage = (m) => {
    // MTI 0200 is the first two bytes of the body (BCD).
    if (m.direction === 'out' && m.body[0] === 0x02 && m.body[1] === 0x00) process.stdout.write('sent\n');
  };
  await fleet.submit({ intentId: 'power-cut', pan: args.pan, expiry: args.expiry, amount: args.amount, terminalIndex: 0 });
}

void main();
