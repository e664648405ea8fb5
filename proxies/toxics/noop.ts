// noop: passes everything through (Toxiproxy registers it; it also heads every chain there).
import { passThrough } from '../data/pass-through';
import { registerToxic } from './registry';

registerToxic({
  type: 'noop',
  goName: 'NoopToxic',
  attributes: [],
  createStage: ({ out }) => passThrough(out),
});
