// /populate, /reset, /version, /metrics, routing (404, 405, 403) and bad requests that must change nothing.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { connect, echoPeer, echoRoundTrip, raw, rawJson, startHarness, type Harness, type Peer } from './helpers';

describe('proxy API: server routes and bad input', () => {
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

  it('GET /version answers Toxiproxy\'s exact body; the client reads it', async () => {
    const res = await raw(h.server.url, 'GET', '/version');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json;charset=utf-8');
    assert.equal(res.text, '{"version": "2.12.0"}\n');
    assert.match(await h.toxiproxy.getVersion(), /2\.12\.0/);
  });

  it('404s unknown paths and trailing slashes, 405s wrong methods (empty body), 403s browsers', async () => {
    for (const path of ['/nope', '/proxies/', '/events', '/proxies/p/toxics/t/x']) {
      const res = await raw(h.server.url, 'GET', path);
      assert.deepEqual([res.status, res.text, res.headers['content-type']], [404, '404 page not found\n', 'text/plain; charset=utf-8'], path);
      assert.equal(res.headers['x-toxiproxy-request-id'], undefined);
    }
    for (const [method, path] of [['PUT', '/proxies'], ['DELETE', '/proxies'], ['HEAD', '/version'], ['GET', '/reset']]) {
      const res = await raw(h.server.url, method, path);
      assert.deepEqual([res.status, res.text, res.headers['content-type']], [405, '', undefined], `${method} ${path}`);
    }
    const browser = await raw(h.server.url, 'GET', '/proxies', undefined, { 'user-agent': 'Mozilla/5.0 (X11)' });
    assert.deepEqual([browser.status, browser.text], [403, 'User agent not allowed\n']);
  });

  it('populate creates (201), keeps an unchanged proxy with its toxics and state, replaces a changed one', async () => {
    const first = await rawJson(h.server.url, 'POST', '/populate', [
      { name: 'a', listen: '127.0.0.1:0', upstream: echo.address },
      { name: 'b', listen: '127.0.0.1:0', upstream: echo.address },
    ]);
    assert.equal(first.status, 201);
    const [a, b] = (first.json as { proxies: Array<{ name: string; listen: string }> }).proxies;
    await rawJson(h.server.url, 'POST', '/proxies/a/toxics', { type: 'latency', attributes: { latency: 5 } });
    await rawJson(h.server.url, 'PATCH', '/proxies/a', { enabled: false });
    await rawJson(h.server.url, 'POST', '/proxies/b/toxics', { type: 'noop' });
    const second = await rawJson(h.server.url, 'POST', '/populate', [
      { name: 'a', listen: a.listen, upstream: echo.address, enabled: true },
      { name: 'b', listen: b.listen, upstream: 'localhost:1' },
    ]);
    assert.equal(second.status, 201);
    const after = (await rawJson(h.server.url, 'GET', '/proxies')).json as Record<string, { enabled: boolean; toxics: unknown[]; upstream: string }>;
    assert.equal(after.a.enabled, false, 'unchanged proxy keeps its state even though enabled:true was given');
    assert.equal(after.a.toxics.length, 1, 'and its toxics');
    assert.equal(after.b.upstream, 'localhost:1');
    assert.equal(after.b.toxics.length, 0, 'a replaced proxy starts without toxics');
    const empty = await raw(h.server.url, 'POST', '/populate', '[]');
    assert.deepEqual([empty.status, empty.text], [201, '{"proxies":null}']);
  });

  it('populate validates every entry first (nothing created) and keeps what it created before a bind failure', async () => {
    const invalid = await raw(h.server.url, 'POST', '/populate', JSON.stringify([{ name: 'ok', upstream: echo.address }, { name: 'x' }]));
    assert.deepEqual([invalid.status, invalid.headers['content-type']], [400, 'application/json']);
    assert.equal(invalid.text, '{"error":"missing required field: upstream at proxy 2","status":400,"proxies":null}');
    assert.deepEqual((await rawJson(h.server.url, 'GET', '/proxies')).json, {});
    const notArray = await rawJson(h.server.url, 'POST', '/populate', { name: 'x' });
    assert.deepEqual([notArray.status, notArray.res.headers['content-type']], [400, 'application/json']);
    const body = notArray.json as { error: string; status: number; proxies: unknown };
    assert.match(body.error, /^bad request body: json: cannot unmarshal object into Go value of type \[\]struct/);
    assert.deepEqual([body.status, body.proxies], [400, null]);
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const res = await rawJson(h.server.url, 'POST', '/populate', [
        { name: 'q1', listen: '127.0.0.1:0', upstream: echo.address },
        { name: 'q2', listen: `127.0.0.1:${port}`, upstream: echo.address },
      ]);
      assert.equal(res.status, 500);
      assert.equal(res.res.headers['content-type'], 'application/json');
      const body = res.json as { error: string; status: number; proxies: Array<{ name: string }> };
      assert.equal(body.error, `listen tcp 127.0.0.1:${port}: bind: address already in use`);
      assert.deepEqual(body.proxies.map((p) => p.name), ['q1']);
      assert.deepEqual(Object.keys((await rawJson(h.server.url, 'GET', '/proxies')).json as object), ['q1']);
    } finally {
      taken.close();
    }
  });

  it('every populate error is JSON with "proxies": null, whatever failed (decode, type, entry)', async () => {
    const cases: Array<[string, string]> = [
      ['', '{"error":"bad request body: EOF","status":400,"proxies":null}'],
      ['[{"name": "a", "upstream": ', '{"error":"bad request body: unexpected EOF","status":400,"proxies":null}'],
      ['[7]', '{"error":"bad request body: json: cannot unmarshal number into Go value of type toxiproxy.Proxy","status":400,"proxies":null}'],
      ['[{"name": 5, "upstream": "x:1"}]', '{"error":"bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string","status":400,"proxies":null}'],
      ['[{"upstream": "x:1"}]', '{"error":"missing required field: name at proxy 1","status":400,"proxies":null}'],
    ];
    for (const [body, text] of cases) {
      const res = await raw(h.server.url, 'POST', '/populate', body);
      assert.deepEqual([res.status, res.headers['content-type'], res.text], [400, 'application/json', text], body);
    }
    assert.deepEqual((await rawJson(h.server.url, 'GET', '/proxies')).json, {});
  });

  it('populate works through toxiproxy-node-client', async () => {
    const proxies = await h.toxiproxy.populate([{ name: 'c1', listen: '127.0.0.1:0', upstream: echo.address }]);
    assert.deepEqual(Object.keys(proxies), ['c1']);
  });

  it('reset re-enables every proxy and removes every toxic, deleting none (204)', async () => {
    const p = await h.toxiproxy.createProxy({ name: 'r', listen: '127.0.0.1:0', upstream: echo.address });
    await rawJson(h.server.url, 'POST', '/proxies/r/toxics', { type: 'timeout', stream: 'upstream' });
    await rawJson(h.server.url, 'PATCH', '/proxies/r', { enabled: false });
    const res = await raw(h.server.url, 'POST', '/reset');
    assert.deepEqual([res.status, res.text], [204, '']);
    const after = (await rawJson(h.server.url, 'GET', '/proxies/r')).json as { enabled: boolean; toxics: unknown[]; listen: string };
    assert.deepEqual([after.enabled, after.toxics, after.listen], [true, [], p.listen]);
    const s = await connect(p.listen);
    assert.equal((await echoRoundTrip(s, 'ok')).data.toString(), 'ok');
    s.destroy();
    await h.toxiproxy.reset();
  });

  it('serves Prometheus metrics always, counting bytes while the connection is still open', async () => {
    const p = await h.toxiproxy.createProxy({ name: 'm', listen: '127.0.0.1:0', upstream: echo.address });
    await rawJson(h.server.url, 'POST', '/proxies/m/toxics', { type: 'noop', stream: 'upstream' });
    const s = await connect(p.listen);
    await echoRoundTrip(s, Buffer.alloc(1234, 1));
    const res = await raw(h.server.url, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const labels = `proxy="m",listener="${p.listen}",upstream="${echo.address}"`;
    assert.ok(res.text.includes(`toxiproxy_proxy_received_bytes_total{direction="upstream",${labels}} 1234`), res.text);
    assert.ok(res.text.includes(`toxiproxy_proxy_sent_bytes_total{direction="downstream",${labels}} 1234`));
    assert.ok(res.text.includes('posfault_proxy_connections_open{proxy="m"} 1'));
    assert.ok(res.text.includes('posfault_proxy_connections_total{proxy="m"} 1'));
    assert.ok(res.text.includes('posfault_proxy_toxics{proxy="m",type="noop",stream="upstream"} 1'));
    s.destroy();
  });

  it('/metrics is a matched route: it carries the request id and refuses browsers (403)', async () => {
    const res = await raw(h.server.url, 'GET', '/metrics');
    assert.match(String(res.headers['x-toxiproxy-request-id']), /^[0-9a-v]{20}$/);
    const browser = await raw(h.server.url, 'GET', '/metrics', undefined, { 'user-agent': 'Mozilla/5.0 (X11)' });
    assert.deepEqual([browser.status, browser.text, browser.headers['content-type']], [403, 'User agent not allowed\n', 'text/plain; charset=utf-8']);
  });

  it('the toxics gauge falls back to 0 when toxics go with their proxy: delete, reset and server close', async () => {
    const gauge = async (registry = h.server.registry): Promise<string> =>
      (await registry.metrics()).split('\n').filter((l) => l.startsWith('posfault_proxy_toxics{')).join('\n');
    for (const name of ['del', 'rst']) {
      await h.toxiproxy.createProxy({ name, listen: '127.0.0.1:0', upstream: echo.address });
      await rawJson(h.server.url, 'POST', `/proxies/${name}/toxics`, { type: 'latency', attributes: { latency: 1 } });
    }
    assert.match(await gauge(), /posfault_proxy_toxics\{proxy="del",type="latency",stream="downstream"\} 1/);
    await raw(h.server.url, 'DELETE', '/proxies/del');
    assert.match(await gauge(), /posfault_proxy_toxics\{proxy="del",type="latency",stream="downstream"\} 0/);
    await h.toxiproxy.reset();
    assert.match(await gauge(), /posfault_proxy_toxics\{proxy="rst",type="latency",stream="downstream"\} 0/);
    await rawJson(h.server.url, 'POST', '/proxies/rst/toxics', { type: 'noop', stream: 'upstream' });
    const registry = h.server.registry;
    await h.close();
    assert.match(await gauge(registry), /posfault_proxy_toxics\{proxy="rst",type="noop",stream="upstream"\} 0/);
  });

  describe('bad requests change nothing', () => {
    let before: unknown;
    beforeEach(async () => {
      await h.toxiproxy.createProxy({ name: 'keep', listen: '127.0.0.1:0', upstream: echo.address });
      await rawJson(h.server.url, 'POST', '/proxies/keep/toxics', { type: 'latency', attributes: { latency: 10 } });
      before = (await rawJson(h.server.url, 'GET', '/proxies')).json;
    });
    afterEach(async () => {
      assert.deepEqual((await rawJson(h.server.url, 'GET', '/proxies')).json, before, 'state unchanged');
    });

    const requests: Array<[string, string, string, number, RegExp]> = [
      ['POST', '/proxies', '', 400, /^bad request body: EOF$/],
      ['POST', '/proxies', '{"name": "x", "upstream": ', 400, /^bad request body: unexpected EOF$/],
      ['POST', '/proxies', '{bad json}', 400, /^bad request body: invalid JSON: /],
      ['POST', '/proxies', '{"name":"x","upstream":"y"} trailing', 400, /^bad request body: invalid JSON: /],
      ['POST', '/proxies', '[1,2]', 400, /^bad request body: json: cannot unmarshal array into Go value of type toxiproxy.Proxy$/],
      ['POST', '/proxies', '{"name": 5, "upstream": "y"}', 400, /^bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string$/],
      ['POST', '/proxies', '{"name": "n", "upstream": "y", "enabled": "yes"}', 400, /^bad request body: json: cannot unmarshal string into Go struct field Proxy.enabled of type bool$/],
      ['PATCH', '/proxies/keep', '{"enabled": 1}', 400, /cannot unmarshal number into Go struct field Proxy.enabled of type bool/],
      ['PATCH', '/proxies/keep', '"text"', 400, /cannot unmarshal string into Go value of type toxiproxy.Proxy/],
      ['POST', '/proxies/keep/toxics', 'nope', 400, /^bad request body: invalid JSON: /],
      ['PATCH', '/proxies/keep/toxics/latency_downstream', '{"attributes": {"jitter": "1"}}', 400, /cannot unmarshal string into Go struct field LatencyToxic.attributes.jitter of type int64/],
      ['PATCH', '/proxies/keep/toxics/latency_downstream', '{"attributes": {"latency": 1e300}}', 400, /out of range/],
      ['PATCH', '/proxies/keep/toxics/latency_downstream', '{"attributes": {"jitter": 1, "bogus": 2}}', 400, /^unknown attribute "bogus"/],
      ['POST', '/populate', '[{"name": "keep", "upstream": "other:1"}, {"upstream": "x:1"}]', 400, /^missing required field: name at proxy 2$/],
      ['POST', '/proxies', '{"name": "a/b", "upstream": "x:1"}', 400, /^invalid proxy name "a\/b": it must not contain "\/"/],
      ['POST', '/proxies/keep/toxics', '{"type": "warp"}', 400, /^invalid toxic type$/],
      ['POST', '/proxies/keep/toxics', '{"type": "latency", "stream": "sideways"}', 400, /^stream was invalid, can be either upstream or downstream$/],
      ['POST', '/proxies/keep/toxics', '{"type": "noop", "name": "n", "stream": ""}', 400, /^stream was invalid, can be either upstream or downstream$/],
      ['POST', '/proxies/keep/toxics', '{"type": "noop", "name": "n", "toxicity": 1e39}', 400, /^bad request body: json: cannot unmarshal number 1e39 into Go struct field ToxicWrapper.toxicity of type float32$/],
      ['POST', '/proxies/keep/toxics', '{"type": "noop", "name": "n", "toxicity": -1e400}', 400, /^bad request body: json: cannot unmarshal number into Go struct field ToxicWrapper.toxicity of type float32$/],
      ['PATCH', '/proxies/keep/toxics/latency_downstream', '{"toxicity": 3.5e38}', 400, /cannot unmarshal number 3.5e38 into Go struct field ToxicWrapper.toxicity of type float32$/],
      ['POST', '/proxies/keep/toxics', '{"type": "latency", "name": "n", "attributes": {"latancy": 5}}', 400, /^unknown attribute "latancy" for toxic type latency/],
      ['POST', '/proxies/keep/toxics', '{"type": "latency", "name": "n", "toxicity": "high"}', 400, /Go struct field ToxicWrapper.toxicity of type float32$/],
      ['POST', '/proxies/keep/toxics', '{"type": "slicer", "attributes": {"average_size": 0}}', 400, /slicer average_size must be at least 1, got 0/],
      ['POST', '/proxies/keep/toxics', '{"type": "bandwidth", "attributes": {"rate": 0}}', 400, /bandwidth rate must be at least 1, got 0/],
      ['POST', '/proxies/keep/toxics', '{"type": "line_noise", "attributes": {"ber_ppm": 2000000}}', 400, /line_noise ber_ppm must be at most 1000000/],
      ['POST', '/proxies/keep/toxics', '{"type": "noop", "name": "a/b"}', 400, /^invalid toxic name "a\/b"/],
      ['POST', '/proxies/keep/toxics', '{"type": "noop", "name": "latency_downstream", "stream": "upstream"}', 409, /^toxic already exists$/],
      // A bad toxicity next to a good attribute: nothing of the update applies.
      ['PATCH', '/proxies/keep/toxics/latency_downstream', '{"toxicity": "x", "attributes": {"latency": 99}}', 400, /ToxicWrapper.toxicity of type float32/],
      ['PATCH', '/proxies/keep/toxics/latency_downstream', '{"attributes": {"latency": 99, "jitter": 0.5}}', 400, /cannot unmarshal number 0.5 into Go struct field LatencyToxic.attributes.jitter/],
      ['PATCH', '/proxies/keep', '{"listen": "bogus"}', 500, /^address bogus: missing port in address$/],
    ];
    for (const [method, path, body, status, message] of requests) {
      it(`${method} ${path} ${body.slice(0, 40)} → ${status}`, async () => {
        const res = await raw(h.server.url, method, path, body);
        assert.equal(res.status, status);
        const parsed = JSON.parse(res.text) as { error: string; status: number };
        assert.equal(parsed.status, status);
        assert.match(parsed.error, message);
      });
    }

    it('refuses a body over 1 MiB with 413 and a clear message', async () => {
      const huge = JSON.stringify({ name: 'huge', upstream: 'x:1', pad: 'x'.repeat(2 * 1024 * 1024) });
      const res = await raw(h.server.url, 'POST', '/proxies', huge);
      assert.equal(res.status, 413);
      assert.equal(res.text, '{"error":"request body too large: the limit is 1048576 bytes","status":413}\n');
    });

    it('refuses a chunked body over 1 MiB (no content-length) the same way', async () => {
      const huge = Buffer.alloc(1024 * 1024 + 10, 0x20);
      const res = await raw(h.server.url, 'POST', '/proxies/keep/toxics', huge, { 'transfer-encoding': 'chunked' });
      assert.equal(res.status, 413);
    });
  });
});
