// Relay hooks' helpers: learn each terminal's MAK from its 0810, so that a test can re-MAC a response it changed.
import { getDialect, MessageCodec } from '../../../harness/iso8583';
import type { IsoMessage } from '../../../harness/iso8583/types';
import { computeMac, decodeSignOnKeys, deriveTerminalMasterKey } from '../../../harness/security';
import { SEED } from './stack';

const codec = new MessageCodec(getDialect('cup-pos'));

export function makWatcher(): { mak: (terminalId?: string) => Buffer; see: (msg: IsoMessage) => void } {
  let mak: Buffer | null = null;
  const byTerminal = new Map<string, Buffer>();
  return {
    mak: (terminalId) => (terminalId !== undefined ? byTerminal.get(terminalId) : undefined) ?? mak!,
    see(msg) {
      if (msg.mti === '0810' && Buffer.isBuffer(msg.fields[62])) {
        mak = decodeSignOnKeys(deriveTerminalMasterKey(SEED, String(msg.fields[41])), msg.fields[62], '003').mak;
        byTerminal.set(String(msg.fields[41]), mak);
      }
    },
  };
}

export function remac(msg: IsoMessage, mak: Buffer): Buffer {
  return codec.packWithMac(msg, (mab) => computeMac('cup-ecb', mak.subarray(0, 8), mab));
}

/** The message without its MAC, as a switch that cannot MAC (or a relay faking a code) sends it. */
export function unmaced(mti: string, fields: IsoMessage['fields']): Buffer {
  const f = { ...fields };
  delete f[64];
  return codec.pack({ mti, fields: f });
}
