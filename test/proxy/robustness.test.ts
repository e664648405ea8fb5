// Clients and upstreams that misbehave never take the proxy down; close() leaves nothing running.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { collectUntilClosed, connect, echoPeer, echoRoundTrip, pattern, raw, rawJson, sleep, startHarness, startPeer, type Harness, type Peer } from './helpers';

describe('proxy robustness', () => {
  let h: Harness;
  let echo: Peer;
  let listen: string;
  beforeEach(async () => {
    h = await startHarness();
    echo = await echoPeer();
    listen = (await h.toxiproxy.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address })).listen;
  });
  afterEach(async () => {
    await h.close();
    await echo.close();
  });

  const openConnections = async (): Promise<number> => {
    const m = /posfault_proxy_connections_open\{proxy="p"\} (\d+)/.exec((await raw(h.server.url, 'GET', '/metrics')).text);
    return m ? Number(m[1]) : 0;
  };

  it('a client that resets mid-stream (with and without toxics) never takes the proxy down', async () => {
    const toxics = [
      null,
      { type: 'latency', attributes: { latency: 20 } },
      { type: 'slicer', attributes: { average_size: 500, delay: 100 } },
      { type: 'bandwidth', attributes: { rate: 50 } },
      { type: 'line_noise', stream: 'upstream', attributes: { ber_ppm: 1000 } },
    ];
    for (const toxic of toxics) {
      if (toxic) await rawJson(h.server.url, 'POST', '/proxies/p/toxics', { ...toxic, name: 't' });
      for (let i = 0; i < 10; i++) {
        const s = await connect(listen);
        s.write(pattern(200_000));
        await sleep(i % 3);
        s.resetAndDestroy();
      }
      if (toxic) await rawJson(h.server.url, 'DELETE', '/proxies/p/toxics/t');
    }
    const s = await connect(listen);
    assert.equal((await echoRoundTrip(s, 'alive')).data.toString(), 'alive');
    s.destroy();
    for (let i = 0; i < 50 && (await openConnections()) > 0; i++) await sleep(20);
    assert.equal(await openConnections(), 0);
  });

  it('an unreachable upstream closes the client before any byte (FIN), as Toxiproxy', async () => {
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as net.AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const res = await rawJson(h.server.url, 'POST', '/proxies', { name: 'dead', listen: '127.0.0.1:0', upstream: `127.0.0.1:${port}` });
    const end = await collectUntilClosed(await connect((res.json as { listen: string }).listen));
    assert.deepEqual([end.how, end.bytes.length], ['end', 0]);
  });

  it('an upstream that resets closes the client; the proxy carries on', async () => {
    const rude = await startPeer((sock) => sock.once('data', () => sock.resetAndDestroy()));
    try {
      const res = await rawJson(h.server.url, 'POST', '/proxies', { name: 'rude', listen: '127.0.0.1:0', upstream: rude.address });
      const s = await connect((res.json as { listen: string }).listen);
      const ending = collectUntilClosed(s);
      s.write('hi');
      assert.equal((await ending).how, 'end');
      const again = await connect(listen);
      assert.equal((await echoRoundTrip(again, 'ok')).data.toString(), 'ok');
      again.destroy();
    } finally {
      await rude.close();
    }
  });

  it('moves a large stream intact in both directions with backpressure', async () => {
    const s = await connect(listen);
    const data = pattern(8 * 1024 * 1024);
    const { data: back } = await echoRoundTrip(s, data);
    assert.ok(back.equals(data));
    s.destroy();
  });

  it('close() ends every proxy connection and listener', async () => {
    const s = await connect(listen);
    await echoRoundTrip(s, 'x');
    const ending = collectUntilClosed(s);
    await h.close();
    assert.equal((await ending).how, 'end');
    await assert.rejects(connect(listen), /ECONNREFUSED/);
    await assert.rejects(raw(h.server.url, 'GET', '/version'), /ECONNREFUSED/);
  });
});
