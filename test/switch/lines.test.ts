// The modem pool: a limit of lines, "line busy" past it, lines freed on hang-up, and a flood of callers.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { Stack } from './support/stack';

/** Connects and reports what the caller experienced: bytes received and whether the switch closed the line. */
function dial(port: number, waitMs = 300): Promise<{ socket: net.Socket; closedBySwitch: Promise<boolean>; bytes: () => number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = 0;
    socket.on('data', (d) => { received += d.length; });
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      const closedBySwitch = new Promise<boolean>((r) => {
        const timer = setTimeout(() => r(false), waitMs);
        socket.once('close', () => { clearTimeout(timer); r(true); });
      });
      resolve({ socket, closedBySwitch, bytes: () => received });
    });
    socket.once('error', reject);
  });
}

async function metric(stack: Stack, name: string): Promise<number> {
  const m = await stack.sw.registry.getSingleMetric(name)!.get();
  return m.values.reduce((s, v) => s + v.value, 0);
}

describe('switch: lines', () => {
  let stack: Stack;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await stack.close();
  });

  it('refuses a caller past the limit at once, before any byte, and frees the line on hang-up', async () => {
    stack = await Stack.start({ switch: { maxLines: 2 } });
    const a = await dial(stack.sw.port);
    const b = await dial(stack.sw.port);
    sockets.push(a.socket, b.socket);
    await new Promise((r) => setTimeout(r, 30)); // the switch has taken both calls
    const c = await dial(stack.sw.port);
    sockets.push(c.socket);
    assert.equal(await c.closedBySwitch, true, 'the third caller is hung up');
    assert.equal(c.bytes(), 0);
    assert.equal(await a.closedBySwitch, false, 'the first two keep their lines');
    assert.equal(await metric(stack, 'posfault_switch_lines_refused_total'), 1);
    assert.equal(await metric(stack, 'posfault_switch_lines_in_use'), 2);
    a.socket.destroy();
    const end = Date.now() + 2000;
    while ((await metric(stack, 'posfault_switch_lines_in_use')) !== 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await metric(stack, 'posfault_switch_lines_in_use'), 1);
    const { t, line } = await stack.signedOn(0); // the freed line serves a terminal
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00');
  });

  it('keeps serving the terminals it has during a flood of callers', async () => {
    stack = await Stack.start({ switch: { maxLines: 5 } });
    const { t, line } = await stack.signedOn(0);
    const flood = await Promise.all(Array.from({ length: 60 }, () => dial(stack.sw.port, 500)));
    sockets.push(...flood.map((f) => f.socket));
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00');
    const refused = (await Promise.all(flood.map((f) => f.closedBySwitch))).filter(Boolean).length;
    assert.equal(refused, 56, '4 free lines, 56 callers refused');
    assert.equal(await metric(stack, 'posfault_switch_lines_refused_total'), 56);
  });
});
