// A line between switch and issuer that loses messages: it passes the first `pass` chunks from the switch to
// the issuer and swallows everything after, and every answer back. Enough to make "the issuer debited, the
// switch never heard" happen on cue (the fault proxy is another component's; this keeps the test self-contained).
import * as net from 'node:net';

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
      client.on('data', (chunk) => {
        if (relay!.passed < pass) {
          relay!.passed++;
          upstream.write(chunk);
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
