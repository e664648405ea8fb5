// The request pipeline: a list of small participants run in order, jPOS transaction-manager style. A
// participant either passes the exchange on ('next') or has answered it ('done'); a participant that answers
// sets `exchange.response`. Which participants are in the list is decided once, from the configuration
// (assemble.ts), so a safeguard switched off is a participant left out.
import type { Exchange } from './exchange';

export type Verdict = 'next' | 'done';

export interface Participant {
  readonly name: string;
  process(exchange: Exchange): Verdict | Promise<Verdict>;
}

export async function runPipeline(participants: readonly Participant[], exchange: Exchange): Promise<void> {
  for (const participant of participants) {
    const verdict = participant.process(exchange);
    if ((typeof verdict === 'string' ? verdict : await verdict) === 'done') return;
  }
}
