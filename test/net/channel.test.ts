import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import * as net from 'node:net';
import { CodecError, getDialect, type Frame } from '../../harness/iso8583';
import { FrameChannel } from '../../harness/net/channel';
import { encodeFrame, replyTpdu } from '../../harness/net/framing';
import { CUP_SALE_HEX } from '../iso8583/samples';

const FRAMING = getDialect('cup-pos').framing;
const TPDU = Buffer.from('6000030000', 'hex');
const HEADER = Buffer.from('603100000000', 'hex');
const BODY = Buffer.from(CUP_SALE_HEX, 'hex');

describe('FrameChannel on loopback sockets', () => {
  let server: net.Server;
  let serverSockets: net.Socket[];
  let clients: net.Socket[];

  beforeEach(async () => {
    serverSockets = [];
    clients = [];
    server = net.createServer((s) => serverSockets.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  afterEach(async () => {
    for (const s of [...serverSockets, ...clients]) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function connect(): Promise<{ client: net.Socket; peer: net.Socket }> {
    const port = (server.address() as net.AddressInfo).port;
    const accepted = once(server, 'connection');
    const client = net.connect(port, '127.0.0.1');
    clients.push(client);
    await once(client, 'connect');
    const [peer] = (await accepted) as [net.Socket];
    return { client, peer };
  }

  function nextFrame(channel: FrameChannel): Promise<Frame> {
    return once(channel, 'frame').then(([f]) => f as Frame);
  }

  it('carries a request and a reply with the TPDU swapped', async () => {
    const { client, peer } = await connect();
    const terminal = new FrameChannel(client, FRAMING);
    const host = new FrameChannel(peer, FRAMING);
    host.on('frame', (f: Frame) => host.send({ tpdu: replyTpdu(f.tpdu!), header: f.header, body: f.body }));
    const reply = nextFrame(terminal);
    assert.equal(terminal.send({ tpdu: TPDU, header: HEADER, body: BODY }), true);
    const f = await reply;
    assert.equal(f.tpdu!.toString('hex'), '6000000003');
    assert.deepEqual(f.header, HEADER);
    assert.deepEqual(f.body, BODY);
  });

  it('reassembles frames split across writes and separates frames sent in one write', async () => {
    const { client, peer } = await connect();
    const host = new FrameChannel(peer, FRAMING);
    const frames: Frame[] = [];
    host.on('frame', (f: Frame) => frames.push(f));
    const wire = encodeFrame(FRAMING, { tpdu: TPDU, header: HEADER, body: BODY });
    const two = Buffer.concat([wire, wire]);
    client.write(two.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    client.write(two.subarray(3, wire.length + 5));
    await new Promise((r) => setTimeout(r, 20));
    client.write(Buffer.concat([two.subarray(wire.length + 5), wire]));
    while (frames.length < 3) await once(host, 'frame');
    assert.equal(frames.length, 3);
    for (const f of frames) assert.deepEqual(f.body, BODY);
  });

  it('reports a length that lies as frame-error and closes the socket', async () => {
    const { client, peer } = await connect();
    const host = new FrameChannel(peer, FRAMING);
    let frames = 0;
    host.on('frame', () => frames++);
    const failed = once(host, 'frame-error');
    const closed = once(host, 'close');
    client.write(Buffer.concat([encodeFrame(FRAMING, { tpdu: TPDU, header: HEADER, body: BODY }), Buffer.from('ffff', 'hex')]));
    const [err] = (await failed) as [CodecError];
    assert.ok(err instanceof CodecError);
    assert.match(err.reason, /exceeds the maximum/);
    await closed;
    assert.equal(frames, 1);
    assert.equal(peer.destroyed, true);
    await once(client, 'close');
  });

  it('emits close and refuses to send once the peer is gone; a reset raises no error event', async () => {
    const { client, peer } = await connect();
    const terminal = new FrameChannel(client, FRAMING);
    const socketErrors: Error[] = [];
    terminal.on('socket-error', (e: Error) => socketErrors.push(e));
    const closed = once(terminal, 'close');
    peer.resetAndDestroy();
    await closed;
    assert.equal(terminal.send({ tpdu: TPDU, header: HEADER, body: BODY }), false);
    assert.equal(terminal.listenerCount('error'), 0);
    assert.ok(socketErrors.every((e) => e instanceof Error));
  });

  it('close() ends gracefully after pending frames are delivered', async () => {
    const { client, peer } = await connect();
    const terminal = new FrameChannel(client, FRAMING);
    const host = new FrameChannel(peer, FRAMING);
    const got: Frame[] = [];
    host.on('frame', (f: Frame) => got.push(f));
    const hostClosed = once(peer, 'end');
    terminal.send({ tpdu: TPDU, header: HEADER, body: BODY });
    terminal.close();
    await hostClosed;
    assert.equal(got.length, 1);
    host.destroy();
  });

  it('throws CodecError when asked to send a frame that does not fit the framing', async () => {
    const { client } = await connect();
    const terminal = new FrameChannel(client, FRAMING);
    assert.throws(() => terminal.send({ body: BODY }), CodecError);
  });

  describe('partial-frame timeout', () => {
    const wire = encodeFrame(FRAMING, { tpdu: TPDU, header: HEADER, body: BODY });

    it('reports a frame that started but did not complete within the timeout, and closes', async () => {
      const { client, peer } = await connect();
      const host = new FrameChannel(peer, FRAMING, { partialFrameTimeoutMs: 150 });
      const frames: Frame[] = [];
      host.on('frame', (f: Frame) => frames.push(f));
      const failed = once(host, 'frame-error');
      const closed = once(host, 'close');
      client.write(Buffer.concat([wire, wire.subarray(0, 20)])); // one whole frame, then a stalled one
      const started = Date.now();
      const [err] = (await failed) as [CodecError];
      assert.ok(err instanceof CodecError);
      assert.match(err.reason, /partial frame: 20 bytes, not completed within 150 ms/);
      assert.equal(err.offset, wire.length, 'where the stalled frame starts in the stream');
      assert.ok(Date.now() - started >= 100, 'not before the timeout');
      await closed;
      assert.equal(frames.length, 1);
      assert.equal(peer.destroyed, true);
    });

    it('lets a slow frame through when it completes in time, and counts from the start of each frame', async () => {
      const { client, peer } = await connect();
      const host = new FrameChannel(peer, FRAMING, { partialFrameTimeoutMs: 400 });
      const frames: Frame[] = [];
      let failure: CodecError | undefined;
      host.on('frame', (f: Frame) => frames.push(f));
      host.on('frame-error', (e: CodecError) => (failure = e));
      for (let round = 0; round < 3; round++) {
        client.write(wire.subarray(0, 30));
        await new Promise((r) => setTimeout(r, 150));
        client.write(wire.subarray(30));
        await new Promise((r) => setTimeout(r, 150));
      }
      assert.equal(failure, undefined);
      assert.equal(frames.length, 3);
      host.destroy();
    });

    it('is off by default: a stalled partial frame is left alone', async () => {
      const { client, peer } = await connect();
      const host = new FrameChannel(peer, FRAMING);
      let failure: CodecError | undefined;
      host.on('frame-error', (e: CodecError) => (failure = e));
      client.write(wire.subarray(0, 20));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(failure, undefined);
      assert.equal(peer.destroyed, false);
      assert.throws(() => new FrameChannel(peer, FRAMING, { partialFrameTimeoutMs: -1 }), RangeError);
      host.destroy();
    });
  });
});
