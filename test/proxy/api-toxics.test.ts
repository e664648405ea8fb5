// The toxic endpoints: defaults, Toxiproxy's JSON shape and order, merge on update, names across directions.
import { strict as assert } from 'node:assert';
import { echoPeer, raw, rawJson, startHarness, type Harness, type Peer } from './helpers';

describe('proxy API: toxics', () => {
  let h: Harness;
  let echo: Peer;
  const toxics = (path = '') => `/proxies/p/toxics${path}`;
  beforeEach(async () => {
    h = await startHarness();
    echo = await echoPeer();
    await h.toxiproxy.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
  });
  afterEach(async () => {
    await h.close();
    await echo.close();
  });

  it('creates with Toxiproxy\'s defaults and answers 200 (not 201) with every attribute present', async () => {
    const res = await raw(h.server.url, 'POST', toxics(), JSON.stringify({ type: 'latency', attributes: { latency: 100 } }));
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.text, '{"attributes":{"latency":100,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}');
    const noAttrs = await rawJson(h.server.url, 'POST', toxics(), { type: 'slow_close', stream: 'upstream', attributes: null });
    assert.deepEqual(noAttrs.json, { attributes: { delay: 0 }, name: 'slow_close_upstream', type: 'slow_close', stream: 'upstream', toxicity: 1 });
    const noop = await rawJson(h.server.url, 'POST', toxics(), { type: 'noop' });
    assert.deepEqual((noop.json as { attributes: unknown }).attributes, {});
  });

  it('keeps stream casing, toxicity 0 and out-of-range toxicity, and rounds toxicity as a float32', async () => {
    const a = await rawJson(h.server.url, 'POST', toxics(), { type: 'latency', stream: 'UpStream', toxicity: 0 });
    assert.deepEqual([(a.json as { stream: string }).stream, (a.json as { toxicity: number }).toxicity], ['UpStream', 0]);
    const b = await rawJson(h.server.url, 'POST', toxics(), { name: 'b', type: 'noop', toxicity: 7.5 });
    assert.equal((b.json as { toxicity: number }).toxicity, 7.5);
    const c = await raw(h.server.url, 'POST', toxics(), JSON.stringify({ name: 'c', type: 'noop', toxicity: 0.123456789 }));
    assert.match(c.text, /"toxicity":0\.12345679}$/);
  });

  it('lists upstream toxics first, then downstream, each in the order added; the proxy shows the same', async () => {
    for (const [name, stream] of [['d1', 'downstream'], ['u1', 'upstream'], ['d2', 'downstream'], ['u2', 'upstream']]) {
      await rawJson(h.server.url, 'POST', toxics(), { name, stream, type: 'noop' });
    }
    const list = (await rawJson(h.server.url, 'GET', toxics())).json as Array<{ name: string }>;
    assert.deepEqual(list.map((t) => t.name), ['u1', 'u2', 'd1', 'd2']);
    const proxy = (await rawJson(h.server.url, 'GET', '/proxies/p')).json as { toxics: Array<{ name: string }> };
    assert.deepEqual(proxy.toxics.map((t) => t.name), ['u1', 'u2', 'd1', 'd2']);
  });

  it('keeps toxic names unique across both directions (409)', async () => {
    await rawJson(h.server.url, 'POST', toxics(), { name: 'same', type: 'latency', stream: 'upstream' });
    const dup = await rawJson(h.server.url, 'POST', toxics(), { name: 'same', type: 'latency', stream: 'downstream' });
    assert.deepEqual([dup.status, dup.json], [409, { error: 'toxic already exists', status: 409 }]);
  });

  it('refuses bad streams, unknown types (down too) and bad attributes with Toxiproxy\'s messages', async () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'latency', stream: 'sideways' }, 'stream was invalid, can be either upstream or downstream'],
      [{ type: 'down' }, 'invalid toxic type'],
      [{ type: 'nosuch' }, 'invalid toxic type'],
      [{}, 'invalid toxic type'],
      [{ type: 'latency', attributes: { latency: 1.5 } }, 'bad request body: json: cannot unmarshal number 1.5 into Go struct field LatencyToxic.attributes.latency of type int64'],
      [{ type: 'latency', attributes: { latency: 'abc' } }, 'bad request body: json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64'],
      [{ type: 'slicer', attributes: { average_size: true } }, 'bad request body: json: cannot unmarshal bool into Go struct field SlicerToxic.attributes.average_size of type int'],
      [{ type: 'latency', toxicity: 'x' }, 'bad request body: json: cannot unmarshal string into Go struct field ToxicWrapper.toxicity of type float32'],
      [{ type: 7 }, 'bad request body: json: cannot unmarshal number into Go struct field ToxicWrapper.type of type string'],
      [{ type: 'latency', attributes: { latancy: 100 } }, 'unknown attribute "latancy" for toxic type latency (known: latency, jitter)'],
      [{ type: 'latency', attributes: [1] }, 'bad request body: json: cannot unmarshal array into Go value of type toxics.LatencyToxic'],
      [{ type: 'slicer', attributes: { average_size: 0 } }, 'invalid attribute: slicer average_size must be at least 1, got 0 (bytes per piece on average; 0 crashes Toxiproxy 2.12)'],
      [{ type: 'bandwidth', attributes: { rate: 0 } }, 'invalid attribute: bandwidth rate must be at least 1, got 0 (KB/s (1 KB = 1000 bytes); 0 would stall the stream in Toxiproxy 2.12)'],
      [{ type: 'line_noise', attributes: { ber_ppm: 2000000 } }, 'invalid attribute: line_noise ber_ppm must be at most 1000000, got 2000000 (bit errors per million bits)'],
      [{ name: 'a/b', type: 'noop' }, 'invalid toxic name "a/b": it must not contain "/" (it could never be addressed in a URL path)'],
    ];
    for (const [body, error] of cases) {
      const res = await raw(h.server.url, 'POST', toxics(), JSON.stringify(body));
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.text, JSON.stringify({ error, status: 400 }) + '\n', JSON.stringify(body));
    }
    assert.deepEqual((await rawJson(h.server.url, 'GET', toxics())).json, [], 'no toxic was added');
  });

  it('updates by merging attributes; toxicity kept when absent; name, type and stream ignored', async () => {
    await rawJson(h.server.url, 'POST', toxics(), { type: 'latency', attributes: { latency: 100, jitter: 10 }, toxicity: 0.5 });
    const res = await rawJson(h.server.url, 'PATCH', toxics('/latency_downstream'), { attributes: { jitter: 5 }, name: 'x', type: 'timeout', stream: 'upstream' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { attributes: { latency: 100, jitter: 5 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 0.5 });
    const post = await rawJson(h.server.url, 'POST', toxics('/latency_downstream'), { toxicity: 1 });
    assert.equal((post.json as { toxicity: number }).toxicity, 1);
    const empty = await raw(h.server.url, 'PATCH', toxics('/latency_downstream'), '');
    assert.equal(empty.text, '{"error":"bad request body: EOF","status":400}\n');
    const bad = await rawJson(h.server.url, 'PATCH', toxics('/latency_downstream'), { attributes: { latency: -1.5 } });
    assert.equal(bad.status, 400);
    assert.deepEqual((await rawJson(h.server.url, 'GET', toxics('/latency_downstream'))).json,
      { attributes: { latency: 100, jitter: 5 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 });
    const missing = await rawJson(h.server.url, 'PATCH', toxics('/nope'), {});
    assert.deepEqual(missing.json, { error: 'toxic not found', status: 404 });
  });

  it('deletes (204); a second delete and a show are 404 toxic not found', async () => {
    await rawJson(h.server.url, 'POST', toxics(), { type: 'timeout' });
    const del = await raw(h.server.url, 'DELETE', toxics('/timeout_downstream'));
    assert.deepEqual([del.status, del.text], [204, '']);
    const again = await raw(h.server.url, 'DELETE', toxics('/timeout_downstream'));
    assert.deepEqual([again.status, again.text], [404, '{"error":"toxic not found","status":404}\n']);
    assert.equal((await raw(h.server.url, 'GET', toxics('/timeout_downstream'))).status, 404);
  });

  it('works through toxiproxy-node-client: addToxic, getToxic, update, remove', async () => {
    const proxy = await h.toxiproxy.get('p');
    const toxic = await proxy.addToxic({ name: 'lat', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 50, jitter: 0 } });
    assert.deepEqual(toxic.attributes, { latency: 50, jitter: 0 });
    const got = await proxy.getToxic<{ latency: number; jitter: number }>('lat');
    assert.equal(got.stream, 'upstream');
    const updated = await got.update({ ...got.toJson(), attributes: { latency: 70, jitter: 3 } });
    assert.deepEqual(updated.attributes, { latency: 70, jitter: 3 });
    await updated.remove();
    await assert.rejects(proxy.getToxic('lat'), /404/);
  });

  it('accepts the POS line toxics with their documented attributes', async () => {
    const line = await rawJson(h.server.url, 'POST', toxics(), { type: 'line_noise', attributes: { ber_ppm: 100 } });
    assert.deepEqual((line.json as { attributes: unknown }).attributes, { ber_ppm: 100, burst_bits: 1 });
    const drop = await rawJson(h.server.url, 'POST', toxics(), { type: 'carrier_drop', stream: 'upstream', attributes: { mean_ms: 1000 } });
    assert.deepEqual((drop.json as { attributes: unknown }).attributes, { mean_ms: 1000, min_ms: 0, rst: 0 });
    const dial = await rawJson(h.server.url, 'POST', toxics(), { type: 'dialup', attributes: { connect_delay_ms: 10 } });
    assert.deepEqual((dial.json as { attributes: unknown }).attributes, { connect_delay_ms: 10, busy_ppm: 0, no_dial_tone: 0 });
  });
});
