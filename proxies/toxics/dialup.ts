// dialup (posfault): call set-up at accept, before the upstream is dialled. "No dial tone" resets the call
// (ECONNRESET before any byte); "busy" hangs up at once (connect, then FIN before any byte; the upstream is never
// dialled); otherwise the call connects after connect_delay_ms, bytes sent meanwhile held until then.
// Added to a proxy, it affects new calls only; on the data path it passes everything.
import { passThrough } from '../data/pass-through';
import { registerToxic } from './registry';

registerToxic({
  type: 'dialup',
  goName: 'DialupToxic',
  attributes: [
    { name: 'connect_delay_ms', kind: 'int64', default: 0, min: 0, doc: 'ms from accept to the upstream dial (modem training)' },
    { name: 'busy_ppm', kind: 'int', default: 0, min: 0, max: 1_000_000, doc: 'chance per million calls of "line busy"' },
    { name: 'no_dial_tone', kind: 'int', default: 0, min: 0, max: 1, doc: '1: every call is refused with a reset' },
  ],
  callSetup: (attrs, rng) => {
    if (attrs.no_dial_tone === 1) return { kind: 'no_dial_tone' };
    if (attrs.busy_ppm > 0 && rng.int(1_000_000) < attrs.busy_ppm) return { kind: 'busy' };
    return { kind: 'connect', delayMs: attrs.connect_delay_ms };
  },
  createStage: ({ out }) => passThrough(out),
});
