// The plan of a run, fixed by the scenario and the seed alone: when each fault starts and ends and which terminals
// it touches, and every purchase intent (when, which terminal, which card, how much). Two builds from the same
// scenario and seed are identical; nothing here reads the clock.
import { Prng } from '../security/prng';
import { virtualPrinterIndices } from './fleet-groups';
import type { FaultSpec, Scenario, TerminalSelectionSpec } from './scenario-schema';

export type IntentKind = 'sale' | 'void' | 'inquiry' | 'refund';

export interface PlannedIntent {
  id: string;
  /** ms after the start of the load. */
  at: number;
  kind: IntentKind;
  terminalIndex: number;
  /** Index into the issuer's generated accounts. */
  cardIndex: number;
  amount: number;
  /** For a void or a refund: the earlier sale on the same terminal it refers to. */
  originalId?: string;
  /** If this sale fails without a decline, the customer swipes again (a new attempt for the same intent). */
  secondSwipe: boolean;
}

export type PlannedFault = FaultSpec & {
  id: string;
  /** ms after the start of the load. */
  start: number;
  /** ms after the start of the load; absent for instant faults (a STAN reset, a key change). */
  end?: number;
  /** Resolved terminal indices for faults that name terminals. */
  terminalIndices?: number[];
};

export interface RunPlan {
  seed: string;
  /** ms over which intents are sent. */
  loadDuration: number;
  faults: PlannedFault[];
  intents: PlannedIntent[];
}

export interface PlanOptions {
  /** Overrides the scenario's seed. */
  seed?: string | number;
  /** Compresses (or stretches) the timeline: durations, stage lengths, fault times. Rates, timeouts and the settle
   *  window are kept, so a shrunk run has fewer intents at the same pace. Default 1. */
  scale?: number;
}

const INSTANT_KINDS = new Set(['stan-reset', 'rotate-keys']);

export function buildPlan(scenario: Scenario, options: PlanOptions = {}): RunPlan {
  const seed = String(options.seed ?? scenario.seed);
  const scale = options.scale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`scale must be a positive number, got ${String(scale)}`);
  const root = new Prng(seed);
  const stages = (scenario.load.stages ?? []).map((s) => ({ duration: Math.max(1, Math.round(s.duration * scale)), rate: s.rate }));
  const stageTotal = stages.reduce((t, s) => t + s.duration, 0);
  const loadDuration =
    scenario.duration !== undefined ? Math.round(scenario.duration * scale) : stages.length > 0 ? stageTotal : Number.POSITIVE_INFINITY;
  const maxSales = scenario.sales !== undefined ? Math.max(1, Math.round(scenario.sales * scale)) : Number.POSITIVE_INFINITY;
  const intents = planIntents(scenario, root.fork('intents'), stages, loadDuration, maxSales);
  const effectiveDuration = Number.isFinite(loadDuration) ? loadDuration : intents.length > 0 ? intents[intents.length - 1].at + 1 : 0;
  const faults = planFaults(scenario, root.fork('faults'), scale, effectiveDuration);
  return { seed, loadDuration: effectiveDuration, faults, intents };
}

/** Intents per second at `t` ms: steady, or ramping linearly across stages from the previous stage's rate. */
function rateAt(t: number, steady: number | undefined, stages: { duration: number; rate: number }[]): number {
  if (steady !== undefined) return steady;
  let begin = 0;
  let from = 0;
  for (const s of stages) {
    if (t < begin + s.duration) return from + ((s.rate - from) * (t - begin)) / s.duration;
    begin += s.duration;
    from = s.rate;
  }
  return from;
}

function planIntents(
  scenario: Scenario,
  prng: Prng,
  stages: { duration: number; rate: number }[],
  loadDuration: number,
  maxSales: number,
): PlannedIntent[] {
  const { load, fleet, issuer } = scenario;
  const intents: PlannedIntent[] = [];
  const salesByTerminal = new Map<number, string[]>();
  const limit = Math.min(maxSales, 5_000_000);
  const peak = Math.max(load.rate ?? 0, ...stages.map((s) => s.rate));
  if (peak <= 0) return intents;
  let t = 0;
  // Arrivals as a Poisson process thinned to the current rate (exact for ramps), bounded in count.
  for (let guard = 0; intents.length < limit && guard < 50_000_000; guard++) {
    t += (-Math.log(1 - prng.next()) * 1000) / peak;
    if (t >= loadDuration) break;
    if (prng.next() * peak > rateAt(t, load.rate, stages)) continue;
    const terminalIndex = prng.int(fleet.terminals);
    const roll = prng.next();
    const earlier = salesByTerminal.get(terminalIndex);
    let kind: IntentKind = 'sale';
    if (roll < load.mix.void) kind = 'void';
    else if (roll < load.mix.void + load.mix.inquiry) kind = 'inquiry';
    else if (roll < load.mix.void + load.mix.inquiry + load.mix.refund) kind = 'refund';
    if ((kind === 'void' || kind === 'refund') && (earlier === undefined || earlier.length === 0)) kind = 'sale';
    const id = `i${String(intents.length + 1).padStart(7, '0')}`;
    const amount = load.amounts.min + prng.int(load.amounts.max - load.amounts.min + 1);
    const intent: PlannedIntent = {
      id,
      at: Math.floor(t),
      kind,
      terminalIndex,
      cardIndex: prng.int(load.cards ?? issuer.accounts),
      amount,
      secondSwipe: kind === 'sale' && prng.next() < load.secondSwipe,
    };
    if (kind === 'void' || kind === 'refund') {
      const list = earlier as string[];
      // A void takes the sale off the list (it cannot be voided twice); a refund may follow any earlier sale.
      const at = prng.int(list.length);
      intent.originalId = list[at];
      if (kind === 'void') list.splice(at, 1);
      // The same card as the sale; a void is for the full amount, a refund for at most it.
      const original = intents[Number(intent.originalId.slice(1)) - 1];
      intent.cardIndex = original.cardIndex;
      intent.amount = kind === 'void' ? original.amount : Math.min(amount, original.amount);
    }
    if (kind === 'sale') {
      if (earlier) earlier.push(id);
      else salesByTerminal.set(terminalIndex, [id]);
    }
    intents.push(intent);
  }
  return intents;
}

function planFaults(scenario: Scenario, prng: Prng, scale: number, loadDuration: number): PlannedFault[] {
  const out: PlannedFault[] = [];
  // Printer faults touch only terminals with virtual printers (with one group or none: every terminal or none).
  const printerPool = virtualPrinterIndices(scenario.fleet.groups);
  scenario.faults.forEach((spec, index) => {
    const fp = prng.fork(`fault-${index}`);
    const times = spec.times ?? 1;
    for (let k = 0; k < times; k++) {
      const start =
        typeof spec.at === 'number'
          ? Math.round(spec.at * scale)
          : Math.round((spec.at.from + fp.next() * Math.max(0, spec.at.to - spec.at.from)) * scale);
      const planned: PlannedFault = { ...spec, id: `f${index + 1}${times > 1 ? `.${k + 1}` : ''}`, start };
      if (!INSTANT_KINDS.has(spec.kind)) {
        planned.end = spec.for !== undefined ? start + Math.max(1, Math.round(spec.for * scale)) : Math.max(start, loadDuration);
      }
      if ('terminals' in spec) {
        planned.terminalIndices = selectTerminals(spec.terminals, scenario.fleet.terminals, fp, spec.kind === 'printer' ? printerPool : undefined);
      }
      out.push(planned);
    }
  });
  return out.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
}

/** `pool`: the fleet indices the selection draws from (default every terminal); a list is taken as given. */
export function selectTerminals(sel: TerminalSelectionSpec, fleetSize: number, prng: Prng, pool?: readonly number[]): number[] {
  const from = pool ?? Array.from({ length: fleetSize }, (_, i) => i);
  if (sel === 'all') return from.slice();
  if (Array.isArray(sel)) return [...new Set(sel.filter((i) => i < fleetSize))].sort((a, b) => a - b);
  const size = from.length;
  const count = 'share' in sel ? Math.round(sel.share * size) : Math.min(sel.count, size);
  // A partial Fisher-Yates draw over the pool: `count` distinct terminals.
  const drawn = from.slice();
  for (let i = 0; i < count; i++) {
    const j = i + prng.int(size - i);
    [drawn[i], drawn[j]] = [drawn[j], drawn[i]];
  }
  return drawn.slice(0, count).sort((a, b) => a - b);
}
