// The modem pool: a TCP listener for terminals with a fixed number of lines. A caller past the limit is
// accepted and closed at once, before any byte is read or written ("line busy").
import * as net from 'node:net';
import type { SwitchServices } from './exchange';
import { TerminalConnection, type TerminalConnectionOptions } from './terminal-connection';

export class TerminalListener {
  private readonly server: net.Server;
  private readonly connections = new Set<TerminalConnection>();

  private constructor(private readonly services: SwitchServices, private readonly maxLines: number, private readonly connectionOptions: TerminalConnectionOptions) {
    this.server = net.createServer((socket) => this.onConnection(socket));
    this.server.on('error', (err) => services.log.error('terminal listener error', { error: err.message }));
  }

  static async listen(services: SwitchServices, host: string, port: number, maxLines: number, connectionOptions: TerminalConnectionOptions): Promise<TerminalListener> {
    const listener = new TerminalListener(services, maxLines, connectionOptions);
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen(port, host, () => {
        listener.server.removeListener('error', reject);
        resolve();
      });
    });
    return listener;
  }

  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  get linesInUse(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.destroy();
    await closed;
  }

  private onConnection(socket: net.Socket): void {
    const metrics = this.services.metrics;
    if (this.connections.size >= this.maxLines) {
      socket.on('error', () => undefined);
      socket.destroy();
      metrics.linesRefused.inc();
      this.services.log.info('every line busy, caller refused', { lines: this.maxLines, remote: socket.remoteAddress });
      return;
    }
    const connection = new TerminalConnection(socket, this.connectionOptions);
    this.connections.add(connection);
    metrics.linesInUse.set(this.connections.size);
    connection.onClose(() => {
      this.connections.delete(connection);
      metrics.linesInUse.set(this.connections.size);
    });
  }
}
