// The API's errors and state changes as toxiproxy-node-client sees them: 404s, 409s, disable through update,
// populate keep/replace, reset then getAll.
import { strict as assert } from 'node:assert';
import { collectUntilClosed, connect, echoPeer, echoRoundTrip, startHarness, type Harness, type Peer } from './helpers';

describe('proxy API through toxiproxy-node-client', () => {
  let h: Harness;
  let echo: Peer;
  beforeEach(async () => {
    h = await startHarness();
    echo = await echoPeer();
  });
  afterEach(async () => {
    await h.close();
    await echo.close();
  });

  it('rejects a duplicate proxy (409) and an unknown one (404) without changing what exists', async () => {
    await h.toxiproxy.createProxy({ name: 'one', listen: '127.0.0.1:0', upstream: echo.address });
    await assert.rejects(h.toxiproxy.createProxy({ name: 'one', listen: '127.0.0.1:0', upstream: 'elsewhere:1' }), /status code 409/);
    await assert.rejects(h.toxiproxy.get('nope'), /status code 404/);
    assert.equal((await h.toxiproxy.get('one')).upstream, echo.address);
    assert.deepEqual(Object.keys(await h.toxiproxy.getAll()), ['one']);
  });

  it('rejects a duplicate toxic name in either direction (409) and an unknown toxic (404)', async () => {
    const proxy = await h.toxiproxy.createProxy({ name: 't', listen: '127.0.0.1:0', upstream: echo.address });
    await proxy.addToxic({ name: 'same', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 5, jitter: 0 } });
    await assert.rejects(
      proxy.addToxic({ name: 'same', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 9, jitter: 0 } }),
      /status code 409/,
    );
    await assert.rejects(proxy.getToxic('other'), /status code 404/);
    const kept = await proxy.getToxic<{ latency: number }>('same');
    assert.deepEqual([kept.stream, kept.attributes.latency], ['upstream', 5]);
    await kept.remove();
    await assert.rejects(kept.remove(), /status code 404/);
  });

  it('proxy.update({enabled:false}) closes the listener and open connections; enabled:true reopens the port', async () => {
    const proxy = await h.toxiproxy.createProxy({ name: 'd', listen: '127.0.0.1:0', upstream: echo.address });
    const open = await connect(proxy.listen);
    await echoRoundTrip(open, 'hi');
    const ending = collectUntilClosed(open);
    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    assert.equal(down.enabled, false);
    assert.equal((await ending).how, 'end', 'the open connection got a FIN');
    await assert.rejects(connect(proxy.listen), /ECONNREFUSED/);
    const up = await down.update({ enabled: true, listen: down.listen, upstream: down.upstream });
    assert.deepEqual([up.enabled, up.listen], [true, proxy.listen]);
    const s = await connect(up.listen);
    assert.equal((await echoRoundTrip(s, 'back')).data.toString(), 'back');
    s.destroy();
  });

  it('populate keeps an unchanged proxy (toxics, disabled state) and replaces a changed one', async () => {
    const first = await h.toxiproxy.populate([
      { name: 'keep', listen: '127.0.0.1:0', upstream: echo.address },
      { name: 'swap', listen: '127.0.0.1:0', upstream: echo.address },
    ]);
    const keep = first.keep;
    await keep.addToxic({ name: 'lat', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 1, jitter: 0 } });
    await keep.update({ enabled: false, listen: keep.listen, upstream: keep.upstream });
    await first.swap.addToxic({ name: 'gone', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
    const second = await h.toxiproxy.populate([
      { name: 'keep', listen: keep.listen, upstream: echo.address, enabled: true },
      { name: 'swap', listen: first.swap.listen, upstream: 'localhost:1' },
    ]);
    assert.deepEqual(Object.keys(second).sort(), ['keep', 'swap']);
    assert.equal(second.keep.enabled, false, 'kept as it was, although enabled:true was given');
    assert.equal((await second.keep.getToxic('lat')).type, 'latency');
    assert.equal(second.swap.upstream, 'localhost:1');
    await assert.rejects(second.swap.getToxic('gone'), /status code 404/, 'a replaced proxy starts without toxics');
    await assert.rejects(h.toxiproxy.populate([{ name: 'x' } as never]), /status code 400/);
  });

  it('reset() re-enables every proxy and removes every toxic; getAll() still lists them all', async () => {
    const a = await h.toxiproxy.createProxy({ name: 'a', listen: '127.0.0.1:0', upstream: echo.address });
    const b = await h.toxiproxy.createProxy({ name: 'b', listen: '127.0.0.1:0', upstream: echo.address });
    await a.addToxic({ name: 'cut', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
    await b.update({ enabled: false, listen: b.listen, upstream: b.upstream });
    await h.toxiproxy.reset();
    const all = await h.toxiproxy.getAll();
    assert.deepEqual(Object.keys(all), ['a', 'b']);
    assert.deepEqual([all.a.enabled, all.b.enabled], [true, true]);
    assert.deepEqual([all.a.listen, all.b.listen], [a.listen, b.listen]);
    await assert.rejects(all.a.getToxic('cut'), /status code 404/);
    const s = await connect(all.a.listen);
    assert.equal((await echoRoundTrip(s, 'clear')).data.toString(), 'clear', 'the timeout toxic no longer drops data');
    s.destroy();
  });
});
