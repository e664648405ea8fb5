// Codec throughput: pack+unpack of a CUP 0200 sale and cup-ecb MACs per second, against the npm iso_8583
// package packing and unpacking a comparable message in the same run. Bounded: about 2 s per figure.
import { getDialect, MessageCodec, type IsoMessage } from '../harness/iso8583';
import { computeMac } from '../harness/security/mac';
import { sampleCupSale } from '../harness/iso8583/sample-sale';

/** The slice of iso_8583's untyped API used here. */
interface Iso8583Message {
  getBufferMessage(): Buffer | { error: string };
  getIsoJSON(buf: Buffer): Record<string, string> | { error: string };
}
type Iso8583Ctor = new (data?: Record<string, string>, customFormats?: Record<string, unknown>) => Iso8583Message;
const Iso8583 = require('iso_8583') as Iso8583Ctor;

const SECONDS = 2;
const MAK = Buffer.from('C24A8FB57AA20123', 'hex');

/** The codec tests' CUP 0200 sale (docs/pos-profile.md §1.2), with a MAC in field 64. */
function sale(): IsoMessage {
  const msg = sampleCupSale();
  msg.fields[64] = Buffer.from('3243414646363532', 'hex');
  return msg;
}

/**
 * Operations per CPU second of `op` (the machine is shared, so wall time would measure the neighbours), run in
 * batches for about `SECONDS` of wall time after a short warm-up.
 */
function measure(label: string, op: () => void): number {
  const warmUntil = Date.now() + 300;
  while (Date.now() < warmUntil) for (let i = 0; i < 100; i++) op();
  let count = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  const limit = wallStart + BigInt(SECONDS * 1e9);
  let now = wallStart;
  while (now < limit) {
    for (let i = 0; i < 200; i++) op();
    count += 200;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perCpuSecond = count / cpuSeconds;
  const perWallSecond = count / (Number(now - wallStart) / 1e9);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);
  process.stdout.write(`${label.padEnd(56)} ${fmt(perCpuSecond)} /CPU-s ${fmt(perWallSecond)} /wall-s\n`);
  return perCpuSecond;
}

function main(): void {
  const cup = new MessageCodec(getDialect('cup-pos'));
  const generic = new MessageCodec(getDialect('iso87-ascii'));
  const msg = sale();
  const body = cup.pack(msg);
  const mab = cup.macInput(body);
  let sink = 0;

  // iso_8583 has no BCD dialect; it packs ASCII numerics with a binary bitmap. Its 53 and 64 are adjusted so the
  // same values are valid (64 as 16 hex characters).
  const isoFormats = {
    53: { ContentType: 'n', Label: 'Security related control information', LenType: 'fixed', MaxLen: 16 },
    64: { ContentType: 'b', Label: 'MAC', LenType: 'fixed', MaxLen: 16 },
  };
  const isoData: Record<string, string> = { 0: msg.mti };
  for (const [k, v] of Object.entries(msg.fields)) isoData[k] = Buffer.isBuffer(v) ? v.toString('hex').toUpperCase() : v;
  const probe = new Iso8583(isoData, isoFormats).getBufferMessage();
  if (!Buffer.isBuffer(probe)) throw new Error(`iso_8583 refused the message: ${probe.error}`);
  const back = new Iso8583(undefined, isoFormats).getIsoJSON(probe);
  if ('error' in back) throw new Error(`iso_8583 could not unpack its own message: ${back.error}`);

  process.stdout.write(`codec bench: a CUP 0200 sale (${body.length}-byte body, 15 fields), ${SECONDS} s per figure, one core; ratios use CPU time\n\n`);
  const cupRate = measure('posfault cup-pos   pack + unpack', () => {
    sink += cup.unpack(cup.pack(msg)).mti.length;
  });
  const genericRate = measure('posfault iso87-ascii pack + unpack (same fields)', () => {
    sink += generic.unpack(generic.pack(msg)).mti.length;
  });
  const baseline = measure('iso_8583 (npm, baseline) pack + unpack (same fields)', () => {
    const wire = new Iso8583(isoData, isoFormats).getBufferMessage() as Buffer;
    sink += Object.keys(new Iso8583(undefined, isoFormats).getIsoJSON(wire)).length;
  });
  const macRate = measure(`cup-ecb MAC of the ${mab.length}-byte MAB`, () => {
    sink += computeMac('cup-ecb', MAK, mab)[0];
  });
  const signedRate = measure('signed round trip: packWithMac + unpack + MAC check', () => {
    const signed = cup.packWithMac(msg, (m) => computeMac('cup-ecb', MAK, m));
    const got = cup.unpack(signed).fields[64] as Buffer;
    sink += computeMac('cup-ecb', MAK, cup.macInput(signed)).equals(got) ? 1 : 0;
  });

  process.stdout.write('\n');
  process.stdout.write(`ratio cup-pos / iso_8583:        ${(cupRate / baseline).toFixed(1)}x\n`);
  process.stdout.write(`ratio iso87-ascii / iso_8583:    ${(genericRate / baseline).toFixed(1)}x\n`);
  process.stdout.write(`ratio cup-ecb MAC / cup-pos pack+unpack: ${(macRate / cupRate).toFixed(2)}x (signed round trip ${Math.round(signedRate).toLocaleString('en-US')}/CPU-s)\n`);
  if (sink === -1) process.stdout.write('\n');
}

main();
