// One terminal request on its way through the pipeline, and the services the participants share.
import type { MessageCodec } from '../iso8583/codec';
import type { IsoMessage, MacAlgorithmName } from '../iso8583/types';
import type { Logger } from '../log';
import type { BatchEntry } from './batch-record';
import type { DialectCodes } from './codes';
import type { DuplicateWindow } from './duplicate-window';
import type { MacInput } from './mac-input';
import type { ResolvedConfig } from './config';
import type { IssuerMux, IssuerOutcome } from './issuer-mux';
import type { SwitchMetrics } from './metrics';
import { buildResponse } from './responses';
import type { RrnGenerator } from './rrn';
import type { SafForwarder } from './saf-forwarder';
import type { TerminalEntry } from './terminal-directory';
import type { TerminalSession } from './terminal-session';

export interface SwitchServices {
  readonly config: ResolvedConfig;
  readonly terminalCodec: MessageCodec;
  /** The MAB of a terminal request body that decoded with field 64 present. */
  readonly terminalMacInput: MacInput;
  readonly issuerCodec: MessageCodec;
  readonly mac: { algorithm: MacAlgorithmName; keyBytes: 8 | 16 };
  /** Codes that depend on the terminal dialect (issuer timeout, unknown terminal). */
  readonly codes: DialectCodes;
  readonly sessions: Map<string, TerminalSession>;
  readonly issuer: IssuerMux;
  readonly saf: SafForwarder;
  /** The durable side of the duplicate-detection safeguard's window. */
  readonly duplicates: DuplicateWindow;
  readonly metrics: SwitchMetrics;
  readonly rrn: RrnGenerator;
  /** The issuer link's PIN key. */
  readonly zpk: Buffer;
  /** Random bytes for working keys (a seeded PRNG's stream). */
  readonly keyRandom: (n: number) => Buffer;
  readonly log: Logger;
}

/** What happened when the request went to the issuer. */
export interface Forwarded {
  outcome: IssuerOutcome;
  request: IsoMessage;
  response?: IsoMessage;
  rrn: string;
  transmissionDateTime: string;
  /** The switch's record of this request in the terminal's batch. */
  entry?: BatchEntry;
}

export class Exchange {
  readonly mti: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly stan: string;
  entry?: TerminalEntry;
  session?: TerminalSession;
  response?: IsoMessage;
  /** Epoch ms by which the issuer must answer; undefined: wait until it does or the terminal hangs up. */
  deadline?: number;
  forwarded?: Forwarded;
  /** The duplicate-window key this request claimed (duplicate detection on), to give back if it never reaches the issuer. */
  duplicateKey?: string;

  constructor(
    readonly services: SwitchServices,
    readonly request: IsoMessage,
    readonly requestBody: Buffer,
    readonly at: Date,
    /** Aborted when the terminal's connection closes. */
    readonly hangup: AbortSignal,
  ) {
    this.mti = request.mti;
    this.terminalId = text(request.fields[41]);
    this.merchantId = text(request.fields[42]);
    this.stan = text(request.fields[11]);
  }

  /** Sets the response to this request with field 39 = code and the echoed and stamped fields. */
  respond(code: string): IsoMessage {
    const services = this.services;
    this.response = buildResponse(this.request, code, {
      at: this.at,
      acquirerId: services.config.acquirerId,
      rrn: () => services.rrn.next(),
    });
    return this.response;
  }

  field(n: number): string | undefined {
    const v = this.request.fields[n];
    return typeof v === 'string' ? v : undefined;
  }
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
