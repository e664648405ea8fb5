// The proxy endpoints, through toxiproxy-node-client and raw HTTP: shapes, defaults, status codes, messages.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { collectUntilClosed, connect, echoPeer, echoRoundTrip, rawJson, raw, startHarness, type Harness, type Peer } from './helpers';

describe('proxy API: proxies', () => {
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

  it('creates a proxy (201), rewrites listen to the bound address, defaults enabled to true', async () => {
    const res = await rawJson(h.server.url, 'POST', '/proxies', { name: 'p1', listen: '127.0.0.1:0', upstream: echo.address });
    assert.equal(res.status, 201);
    assert.equal(res.res.headers['content-type'], 'application/json');
    assert.match(String(res.res.headers['x-toxiproxy-request-id']), /^[0-9a-v]{20}$/);
    const body = res.json as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['name', 'listen', 'upstream', 'enabled', 'Logger', 'toxics']);
    assert.match(String(body.listen), /^127\.0\.0\.1:[1-9][0-9]*$/);
    assert.equal(body.enabled, true);
    assert.deepEqual(body.toxics, []);
    assert.ok(!res.res.text.endsWith('\n'));
    const socket = await connect(String(body.listen));
    assert.equal((await echoRoundTrip(socket, 'ping')).data.toString(), 'ping');
    socket.destroy();
  });

  it('works through toxiproxy-node-client: create, get, getAll, update, remove', async () => {
    const created = await h.toxiproxy.createProxy({ name: 'b', listen: 'localhost:0', upstream: echo.address });
    await h.toxiproxy.createProxy({ name: 'a', listen: '127.0.0.1:0', upstream: echo.address });
    assert.match(created.listen, /^127\.0\.0\.1:\d+$/, 'localhost:0 is rewritten to 127.0.0.1:<port>');
    const got = await h.toxiproxy.get('b');
    assert.equal(got.upstream, echo.address);
    const all = await h.toxiproxy.getAll();
    assert.deepEqual(Object.keys(all), ['a', 'b']);
    const updated = await got.update({ enabled: false, listen: got.listen, upstream: got.upstream });
    assert.equal(updated.enabled, false);
    await updated.remove();
    assert.deepEqual(Object.keys(await h.toxiproxy.getAll()), ['a']);
  });

  it('divergence: a missing listen binds 127.0.0.1, never all interfaces', async () => {
    const res = await rawJson(h.server.url, 'POST', '/proxies', { name: 'nolisten', upstream: echo.address });
    assert.equal(res.status, 201);
    assert.match(String((res.json as { listen: string }).listen), /^127\.0\.0\.1:\d+$/);
  });

  it('divergence on update too: listen "" binds 127.0.0.1 on a free port, ":port" binds 127.0.0.1', async () => {
    const p = await h.toxiproxy.createProxy({ name: 'mv', listen: '127.0.0.1:0', upstream: echo.address });
    const empty = await rawJson(h.server.url, 'PATCH', '/proxies/mv', { listen: '' });
    assert.equal(empty.status, 200, JSON.stringify(empty.json));
    const moved = (empty.json as { listen: string }).listen;
    assert.match(moved, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(moved, p.listen);
    const s = await connect(moved);
    assert.equal((await echoRoundTrip(s, 'moved')).data.toString(), 'moved');
    s.destroy();
    const port = Number(p.listen.split(':')[1]);
    const colon = await rawJson(h.server.url, 'PATCH', '/proxies/mv', { listen: `:${port}` });
    assert.deepEqual([colon.status, (colon.json as { listen: string }).listen], [200, p.listen]);
  });

  it('keeps a disabled new proxy\'s literal listen until it starts', async () => {
    const res = await rawJson(h.server.url, 'POST', '/proxies', { name: 'off', listen: '127.0.0.1:0', upstream: echo.address, enabled: false });
    assert.equal(res.status, 201);
    assert.equal((res.json as { listen: string }).listen, '127.0.0.1:0');
    assert.equal((res.json as { enabled: boolean }).enabled, false);
  });

  it('refuses missing fields, duplicates and unusable names with Toxiproxy\'s messages, creating nothing', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ upstream: echo.address }, 400, 'missing required field: name'],
      [{ name: 'x' }, 400, 'missing required field: upstream'],
      [{ name: '', upstream: echo.address }, 400, 'missing required field: name'],
      [{ name: 'a/b', upstream: echo.address }, 400, 'invalid proxy name "a/b": it must not contain "/" (it could never be addressed in a URL path)'],
      [{ name: 'x', listen: 'notanaddress', upstream: echo.address }, 500, 'listen tcp: address notanaddress: missing port in address'],
    ];
    for (const [body, status, error] of cases) {
      const res = await raw(h.server.url, 'POST', '/proxies', JSON.stringify(body));
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.text, JSON.stringify({ error, status }) + '\n');
    }
    assert.deepEqual((await rawJson(h.server.url, 'GET', '/proxies')).json, {});
    await h.toxiproxy.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream: echo.address });
    const dup = await rawJson(h.server.url, 'POST', '/proxies', { name: 'dup', listen: '127.0.0.1:0', upstream: 'elsewhere:1' });
    assert.deepEqual([dup.status, dup.json], [409, { error: 'proxy already exists', status: 409 }]);
    assert.equal((await h.toxiproxy.get('dup')).upstream, echo.address);
  });

  it('answers 500 with the bind error when the listen address is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const res = await rawJson(h.server.url, 'POST', '/proxies', { name: 't', listen: `127.0.0.1:${port}`, upstream: echo.address });
      assert.deepEqual(res.json, { error: `listen tcp 127.0.0.1:${port}: bind: address already in use`, status: 500 });
      assert.equal((await rawJson(h.server.url, 'GET', '/proxies/t')).status, 404);
    } finally {
      taken.close();
    }
  });

  it('404s an unknown proxy on every proxy and toxic route', async () => {
    for (const [method, path] of [['GET', '/proxies/nope'], ['PATCH', '/proxies/nope'], ['POST', '/proxies/nope'], ['DELETE', '/proxies/nope'],
      ['GET', '/proxies/nope/toxics'], ['POST', '/proxies/nope/toxics'], ['GET', '/proxies/nope/toxics/t'], ['DELETE', '/proxies/nope/toxics/t']]) {
      const res = await raw(h.server.url, method, path, method === 'GET' || method === 'DELETE' ? undefined : '{}');
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.text, '{"error":"proxy not found","status":404}\n');
    }
  });

  it('updates partially: {} is a no-op, a new upstream restarts on the same listen and drops connections', async () => {
    const p = await h.toxiproxy.createProxy({ name: 'u', listen: '127.0.0.1:0', upstream: echo.address });
    const noop = await rawJson(h.server.url, 'PATCH', '/proxies/u', {});
    assert.equal(noop.status, 200);
    assert.deepEqual(noop.json, (await rawJson(h.server.url, 'GET', '/proxies/u')).json);
    const socket = await connect(p.listen);
    await echoRoundTrip(socket, 'x');
    const ending = collectUntilClosed(socket);
    const echo2 = await echoPeer();
    try {
      const res = await rawJson(h.server.url, 'PATCH', '/proxies/u', { upstream: echo2.address, name: 'ignored' });
      assert.equal(res.status, 200);
      assert.equal((res.json as { upstream: string }).upstream, echo2.address);
      assert.equal((res.json as { listen: string }).listen, p.listen);
      assert.equal((res.json as { name: string }).name, 'u');
      assert.equal((await ending).how, 'end', 'the open connection is closed with a FIN');
      const again = await connect(p.listen);
      await echoRoundTrip(again, 'y');
      assert.equal(echo2.received.length, 1);
      again.destroy();
    } finally {
      await echo2.close();
    }
  });

  it('enabled:false closes the listener (ECONNREFUSED) and every open connection (FIN); true reopens the same port', async () => {
    const p = await h.toxiproxy.createProxy({ name: 'd', listen: '127.0.0.1:0', upstream: echo.address });
    const open = await connect(p.listen);
    await echoRoundTrip(open, 'hi');
    const ending = collectUntilClosed(open);
    const down = await rawJson(h.server.url, 'POST', '/proxies/d', { enabled: false });
    assert.equal((down.json as { enabled: boolean }).enabled, false);
    assert.equal((await ending).how, 'end');
    await assert.rejects(connect(p.listen), /ECONNREFUSED/);
    const up = await rawJson(h.server.url, 'PATCH', '/proxies/d', { enabled: true });
    assert.equal((up.json as { listen: string }).listen, p.listen);
    const s = await connect(p.listen);
    assert.equal((await echoRoundTrip(s, 'back')).data.toString(), 'back');
    s.destroy();
  });

  it('refuses a bad or taken listen on update and keeps the proxy as it was', async () => {
    const p = await h.toxiproxy.createProxy({ name: 'k', listen: '127.0.0.1:0', upstream: echo.address });
    const before = (await rawJson(h.server.url, 'GET', '/proxies/k')).json;
    const bad = await rawJson(h.server.url, 'PATCH', '/proxies/k', { listen: 'bogus' });
    assert.deepEqual(bad.json, { error: 'address bogus: missing port in address', status: 500 });
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const busy = await rawJson(h.server.url, 'PATCH', '/proxies/k', { listen: `127.0.0.1:${port}` });
      assert.deepEqual(busy.json, { error: `listen tcp 127.0.0.1:${port}: bind: address already in use`, status: 500 });
    } finally {
      taken.close();
    }
    assert.deepEqual((await rawJson(h.server.url, 'GET', '/proxies/k')).json, before);
    const s = await connect(p.listen);
    assert.equal((await echoRoundTrip(s, 'still')).data.toString(), 'still');
    s.destroy();
  });

  it('deletes (204, empty body), closes the listener and connections; a second delete is 404', async () => {
    const p = await h.toxiproxy.createProxy({ name: 'z', listen: '127.0.0.1:0', upstream: echo.address });
    const open = await connect(p.listen);
    await echoRoundTrip(open, 'a');
    const ending = collectUntilClosed(open);
    const del = await raw(h.server.url, 'DELETE', '/proxies/z');
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal(del.headers['content-type'], undefined);
    assert.equal((await ending).how, 'end');
    await assert.rejects(connect(p.listen), /ECONNREFUSED/);
    assert.equal((await raw(h.server.url, 'DELETE', '/proxies/z')).status, 404);
  });

  it('decodes %-escaped names in paths', async () => {
    await h.toxiproxy.createProxy({ name: 'e 4', listen: '127.0.0.1:0', upstream: echo.address });
    assert.equal((await rawJson(h.server.url, 'GET', '/proxies/e%204')).status, 200);
    assert.equal((await raw(h.server.url, 'DELETE', '/proxies/e%204')).status, 204);
  });
});
