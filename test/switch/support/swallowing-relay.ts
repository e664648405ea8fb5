// A line between switch and issuer that loses messages on cue. `SwallowingRelay.start(target, pass)` passes the
// first `pass` frames from the switch to the issuer, swallows everything after, and every answer back: enough to
// make "the issuer debited, the switch never heard" happen. `SwallowingRelay.dropping(target, indexes)` loses only
// the switch's frames at those 0-based indexes and carries the answers back. (The fault proxy is another
// component's; this keeps the tests self-contained.) It counts frames (2-byte length prefix, the issuer link's
// framing), not TCP chunks: on a loaded machine the relay may read the sale and the switch's 0420 that followed it
// 200 ms later in one chunk, and passing that chunk would let the 0420 through.
import * as net from 'node:net';

const LENGTH_BYTES = 2;

export class SwallowingRelay {
  private readonly sockets = new Set<net.Socket>();
  private seen = 0;
  private constructor(private readonly server: net.Server, readonly port: number) {}

  static start(target: { host: string; port: number }, pass: number): Promise<SwallowingRelay> {
    return SwallowingRelay.listen(target, (index) => index < pass, false);
  }

  static dropping(target: { host: string; port: number }, indexes: readonly number[]): Promise<SwallowingRelay> {
    return SwallowingRelay.listen(target, (index) => !indexes.includes(index), true);
  }

  private static async listen(target: { host: string; port: number }, keep: (index: number) => boolean, answers: boolean): Promise<SwallowingRelay> {
    let relay: SwallowingRelay | undefined;
    const server = net.createServer((client) => {
      const upstream = net.connect(target);
      relay!.sockets.add(client).add(upstream);
      for (const s of [client, upstream]) {
        s.on('error', () => undefined);
        s.on('close', () => { client.destroy(); upstream.destroy(); });
      }
      if (answers) upstream.on('data', (chunk: Buffer) => client.write(chunk));
      let pending: Buffer = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length >= LENGTH_BYTES) {
          const size = LENGTH_BYTES + pending.readUInt16BE(0);
          if (pending.length < size) break;
          const frame = pending.subarray(0, size);
          pending = pending.subarray(size);
          if (keep(relay!.seen++)) upstream.write(frame);
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
