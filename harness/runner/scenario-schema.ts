// The scenario file format (docs/scenarios.md): strict objects everywhere, so that a misspelt key is an error
// rather than a silently ignored setting. Durations are text with a unit and come out as milliseconds.
import { z } from 'zod';
import { parseDuration } from './duration';
import { layOutGroups } from './fleet-groups';

const DURATION_TEXT = /^\d+(?:\.\d+)?(?:ms|s|m)$/;
const durationHint = "a duration such as '250ms', '5s' or '2m'";

export const Duration = z
  .string({ error: `expected ${durationHint}` })
  .regex(DURATION_TEXT, { error: `expected ${durationHint}` })
  .transform((s) => parseDuration(s) as number);

const Share = z.number({ error: 'expected a share between 0 and 1' }).min(0).max(1);
const PositiveInt = z.number({ error: 'expected a whole number' }).int().positive();

/** Which terminals (fleet indices, 0-based) a fault touches: a list, a share or a count drawn with the seed, or all. */
export const TerminalSelection = z.union(
  [
    z.literal('all'),
    z.array(z.number().int().nonnegative()).min(1),
    z.strictObject({ share: Share }),
    z.strictObject({ count: PositiveInt }),
  ],
  { error: "expected 'all', a list of terminal indices, { share: 0..1 } or { count: N }" },
);

/** A fixed start, or a window the seed draws the start from. */
export const FaultTime = z.union([Duration, z.strictObject({ from: Duration, to: Duration })], {
  error: `expected ${durationHint}, or { from: <duration>, to: <duration> }`,
});

const timing = {
  at: FaultTime,
  /** How long the fault stays in force; absent: until the end of the load. */
  for: Duration.optional(),
  /** Occurrences, each drawn in the `at` window (needs a from/to window for more than one). */
  times: PositiveInt.max(1000).optional(),
};

export const LINKS = ['terminal', 'issuer'] as const;
export const Link = z.enum(LINKS);
export const SAFEGUARDS = ['duplicateDetection', 'macVerification', 'storeAndForward', 'issuerTimeout'] as const;
export const MAINTENANCE_MODES = ['refuse', 'answer-91', 'silent'] as const;
/** offline: refused before the job (not printed); offline-during: the link drops mid-job (printed or not, unknown). */
export const PRINTER_FAULTS = ['paper-out', 'cover-open', 'offline', 'offline-during', 'slow'] as const;

const ToxicFault = z.strictObject({
  kind: z.literal('toxic'),
  link: Link,
  /** Checked with its attributes against the proxy's toxic registry (toxic-checks.ts), not listed here. */
  type: z.string({ error: 'expected a toxic type such as latency or line_noise' }),
  stream: z.enum(['upstream', 'downstream']).default('downstream'),
  toxicity: Share.default(1),
  attributes: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  ...timing,
});

const DownFault = z.strictObject({ kind: z.literal('down'), link: Link, ...timing });

const MaintenanceFault = z.strictObject({ kind: z.literal('maintenance'), mode: z.enum(MAINTENANCE_MODES), ...timing });

const SafeguardFault = z.strictObject({
  kind: z.literal('safeguard'),
  name: z.enum(SAFEGUARDS),
  on: z.boolean(),
  ...timing,
});

const StanResetFault = z.strictObject({
  kind: z.literal('stan-reset'),
  terminals: TerminalSelection,
  /** The STAN the terminal's counter restarts from, as after a reboot that lost its memory. */
  stan: z.number().int().min(1).max(999999).default(1),
  ...timing,
});

const RotateKeysFault = z.strictObject({
  kind: z.literal('rotate-keys'),
  terminals: TerminalSelection,
  ...timing,
});

const PrinterFault = z.strictObject({
  kind: z.literal('printer'),
  terminals: TerminalSelection,
  fault: z.enum(PRINTER_FAULTS),
  /** For fault: slow, how long each receipt takes. */
  slowBy: Duration.optional(),
  ...timing,
});

const DeclineFault = z.strictObject({
  kind: z.literal('declines'),
  share: Share,
  code: z.string().regex(/^[0-9A-Z]{2}$/, { error: 'expected a two-character response code' }).default('05'),
  ...timing,
});

export const Fault = z.discriminatedUnion('kind', [
  ToxicFault,
  DownFault,
  MaintenanceFault,
  SafeguardFault,
  StanResetFault,
  RotateKeysFault,
  PrinterFault,
  DeclineFault,
]);

const TerminalIdText = z.string({ error: 'expected an 8-digit terminal id (quoted text)' }).regex(/^\d{8}$/, { error: 'expected an 8-digit terminal id' });
const MerchantIdText = z.string({ error: 'expected a 15-digit merchant id (quoted text)' }).regex(/^\d{15}$/, { error: 'expected a 15-digit merchant id' });
/** The name on the receipts (a receipt line; ISO 8583 field 43 holds 40 characters). */
const MerchantName = z.string({ error: 'expected a merchant name' }).min(1).max(40).regex(/^[^\p{Cc}]+$/u, { error: 'expected a name without control characters' });
const Mode = z.enum(['dialup', 'long']);
const PrinterSink = z.enum(['journal', 'virtual']);

/** One id range of the fleet, with its own mode, merchant and printers (docs/scenarios.md, "Several groups"). */
const FleetGroup = z.strictObject({
  firstId: TerminalIdText,
  terminals: PositiveInt.max(50_000),
  mode: Mode.optional(),
  merchantId: MerchantIdText.optional(),
  merchantName: MerchantName.optional(),
  /** The group's printers; unset settings come from fleet.printers. onNotPrinted is fleet-wide. */
  printers: z.strictObject({ sink: PrinterSink.optional(), paperAfter: PositiveInt.optional() }).optional(),
});

const Fleet = z
  .strictObject({
    /** The shorthand for one group (one id range); give these or `groups`, not both (checked in fleet-checks.ts). */
    terminals: PositiveInt.max(50_000).optional(),
    firstId: TerminalIdText.optional(),
    merchantId: MerchantIdText.optional(),
    merchantName: MerchantName.optional(),
    mode: Mode.optional(),
    groups: z.array(FleetGroup).min(1, { error: 'expected at least one group (or fleet.terminals for one id range)' }).max(1000).optional(),
    /** The terminal's timers: connect (dial), response (0200 → 0210), print (a slower print is 'unknown'). */
    timeouts: z
      .strictObject({ connect: Duration.optional(), response: Duration.optional(), print: Duration.optional() })
      .optional(),
    /** Reversal tries per pending reversal (cup-pos.md §3.7: 3), and whether the first goes out at once. */
    reversal: z.strictObject({ tries: z.number().int().min(1).max(100), immediate: z.boolean().optional() }).optional(),
    /** Dial attempts per call and the pause between them (dial-up mode). */
    redial: z.strictObject({ tries: z.number().int().min(1).max(100), delay: Duration.optional() }).optional(),
    /** Pairs [a, b] of terminal indices: b uses a's terminal id, merchant id and keys (cloned terminals). */
    sharedIds: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])).optional(),
    /** Every terminal's printer, and the default of each group's. */
    printers: z
      .strictObject({
        sink: PrinterSink.default('journal'),
        onNotPrinted: z.enum(['reverse', 'reprint']).default('reverse'),
        /** Virtual printers only: paper runs out after this many receipts. */
        paperAfter: PositiveInt.optional(),
      })
      .default({ sink: 'journal', onNotPrinted: 'reverse' }),
  })
  .transform((f) => {
    const groups = layOutGroups(f);
    const { terminals: _t, firstId: _f, merchantId: _m, merchantName: _n, mode: _mode, groups: _g, ...rest } = f;
    /** terminals: the whole fleet's size, every group counted. */
    return { ...rest, groups, terminals: groups.reduce((n, g) => n + g.terminals, 0) };
  });

const Switch = z
  .strictObject({
    maxLines: PositiveInt.optional(),
    /** How long the switch waits for the issuer (its issuer-timeout safeguard). */
    issuerTimeout: Duration.optional(),
    /** Store-and-forward pacing: first retry after `interval`, doubling up to `maxInterval`; `tries` before giving up. */
    saf: z
      .strictObject({ interval: Duration.optional(), maxInterval: Duration.optional(), tries: PositiveInt.max(1000).optional() })
      .optional(),
    safeguards: z
      .strictObject({
        duplicateDetection: z.boolean().default(true),
        macVerification: z.boolean().default(true),
        storeAndForward: z.boolean().default(true),
        issuerTimeout: z.boolean().default(true),
      })
      .default({ duplicateDetection: true, macVerification: true, storeAndForward: true, issuerTimeout: true }),
  })
  .default({ safeguards: { duplicateDetection: true, macVerification: true, storeAndForward: true, issuerTimeout: true } });

const Issuer = z
  .strictObject({
    accounts: PositiveInt.max(1_000_000).default(1000),
    duplicateCheck: z.boolean().default(true),
    /** The issuer's own answer time. */
    latency: z.strictObject({ min: Duration, max: Duration }).optional(),
  })
  .default({ accounts: 1000, duplicateCheck: true });

const Stage = z.strictObject({ duration: Duration, rate: z.number().nonnegative() });

const Load = z
  .strictObject({
    /** Purchase intents per second (steady), or stages ramping linearly from the previous stage's rate. */
    rate: z.number().positive().optional(),
    stages: z.array(Stage).min(1).optional(),
    amounts: z
      .strictObject({ min: PositiveInt, max: PositiveInt })
      .refine((a) => a.min <= a.max, { error: 'min must not exceed max' })
      .default({ min: 100, max: 50_000 }),
    /** How many distinct cards the load draws from (the first N of the issuer's accounts); default all of them. */
    cards: PositiveInt.max(1_000_000).optional(),
    /** Shares of the intents that are voids (of an earlier sale on the same terminal), inquiries and refunds. */
    mix: z
      .strictObject({ void: Share.default(0), inquiry: Share.default(0), refund: Share.default(0) })
      .refine((m) => m.void + m.inquiry + m.refund <= 1, { error: 'the shares must add up to at most 1' })
      .default({ void: 0, inquiry: 0, refund: 0 }),
    /** Share of failed sales whose customer swipes the card again. */
    secondSwipe: Share.default(0),
  })
  .refine((l) => (l.rate === undefined) !== (l.stages === undefined), {
    error: 'give either rate or stages (exactly one)',
  });

const Slos = z.strictObject({
  reversalSuccessRate: z.strictObject({ min: Share }).optional(),
  unprintedButDebited: z.strictObject({ max: z.number().int().nonnegative() }).optional(),
  duplicateCharges: z.strictObject({ max: z.number().int().nonnegative() }).optional(),
  printedButNotDebited: z.strictObject({ max: z.number().int().nonnegative() }).optional(),
  /** Requests the issuer acted on that differ from what the terminal sent (garbled and let through). */
  alteredRequests: z.strictObject({ max: z.number().int().nonnegative() }).optional(),
  p99SaleLatency: z.strictObject({ max: Duration }).optional(),
  approvalRate: z.strictObject({ min: Share }).optional(),
  /** Terminals whose batch could not be settled (needs settlement: true). */
  settlementFailures: z.strictObject({ max: z.number().int().nonnegative() }).optional(),
});

export const Scenario = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected a lower-case name (letters, digits, dashes)' }),
    description: z.string().optional(),
    seed: z.union([z.number().int(), z.string().min(1)], { error: 'expected a whole number or a text seed' }),
    duration: Duration.optional(),
    sales: PositiveInt.max(10_000_000).optional(),
    fleet: Fleet,
    switch: Switch,
    issuer: Issuer,
    load: Load,
    faults: z.array(Fault).default([]),
    settle: Duration.default(5000),
    /** Settle every terminal's batch (0500, and the batch upload when unbalanced) after the settle window. */
    settlement: z.boolean().default(false),
    slos: Slos,
  })
  .refine((s) => s.duration !== undefined || s.sales !== undefined || s.load.stages !== undefined, {
    error: 'give duration, sales, or load.stages (whose durations add up to the run)',
  });

export type ScenarioInput = z.input<typeof Scenario>;
export type Scenario = z.output<typeof Scenario>;
export type FaultSpec = z.output<typeof Fault>;
export type TerminalSelectionSpec = z.output<typeof TerminalSelection>;
export type SloSpec = z.output<typeof Slos>;
export type FleetSpec = z.output<typeof Fleet>;
