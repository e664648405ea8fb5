// A line between switch and issuer that loses messages: it passes the first `pass` frames from the switch to
// the issuer and swallows everything after, and every answer back. Enough to make "the issuer debited, the
// switch never heard" happen on cue (the fault proxy is another component's; this keeps the test self-contained).
// It counts frames (2-byte length prefix, the issuer link's framing), not TCP chunks: on a loaded machine the
// relay may read the sale and the switch's 0420 that followed it 200 ms later in one chunk, and passing that
// chunk would let the 0420 through.
import * as net from 'node:net';

const LENGTH_BYTES = 2;

export class SwallowingRelay {
  private readonly sockets = new Set<net.Socket>();
  private passed = 0;
  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(target: { host: string; port: number }, pass: number): Promise<SwallowingRelay> {
    let relay: SwallowingRelay | undefined;
    const server = net.createServer((client) => {
      const upstream = net.connect(target);
      relay!.sockets.add(client).add(upstream);
      for (const s of [client, upstream]) {
        s.on('error', () => undefined);
        s.on('close', () => { client.destroy(); upstream.destroy(); });
      }
      let pending: Buffer = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length >= LENGTH_BYTES) {
          const size = LENGTH_BYTES + pending.readUInt16BE(0);
          if (pending.length < size) break;
          const frame = pending.subarray(0, size);
          pending = pending.subarray(size);
          if (relay!.passed < pass) {
            relay!.passed++;
            upstream.write(frame);
          }
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    relay = new SwallowingRelay(server, (server.address() as net.AddressInfo).port);
    return relay;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
