// A tiny in-test relay between the fleet and the switch that can drop or garble the switch's responses.
import * as net from 'node:net';
import { getDialect, MessageCodec } from '../../../harness/iso8583';
import type { IsoMessage } from '../../../harness/iso8583/types';
import { encodeFrame, FrameReader } from '../../../harness/net/framing';

export type ResponseHook = (msg: IsoMessage, body: Buffer) => 'pass' | 'drop' | Buffer;

export interface Relay {
  port: number;
  hook: ResponseHook;
  /** Requests for which this returns true never reach the switch. */
  dropRequest: (msg: IsoMessage) => boolean;
  /** Requests seen on their way to the switch (dropped ones too). */
  requests: IsoMessage[];
  close(): Promise<void>;
}

/** Flips the last byte of field 64 (the body's last byte: 64 is the last field). */
export function garbleMac(body: Buffer): Buffer {
  const out = Buffer.from(body);
  out[out.length - 1] ^= 0x01;
  return out;
}

export async function startRelay(targetPort: number, hook: ResponseHook = () => 'pass'): Promise<Relay> {
  const dialect = getDialect('cup-pos');
  const codec = new MessageCodec(dialect);
  const sockets = new Set<net.Socket>();
  const relay: Relay = { port: 0, hook, dropRequest: () => false, requests: [], close: async () => undefined };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const up = new FrameReader(dialect.framing);
    const down = new FrameReader(dialect.framing);
    client.on('data', (chunk) => {
      for (const f of up.push(chunk)) {
        const msg = codec.unpack(f.body);
        relay.requests.push(msg);
        if (!relay.dropRequest(msg)) upstream.write(encodeFrame(dialect.framing, f));
      }
    });
    upstream.on('data', (chunk) => {
      for (const f of down.push(chunk)) {
        const verdict = relay.hook(codec.unpack(f.body), f.body);
        if (verdict === 'drop') continue;
        const body = verdict === 'pass' ? f.body : verdict;
        client.write(encodeFrame(dialect.framing, { tpdu: f.tpdu, header: f.header, body }));
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.port = (server.address() as net.AddressInfo).port;
  relay.close = () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return relay;
}
