// Sign-on 0800 → 0810: new working keys in field 62 under the terminal's TMK with check values, and the
// switch's batch for the terminal in 60.2 (pos-profile.md §1.1). The terminal's session starts here.
import { encodeSignOnKeys, generateKey, type SignOnKeyLayout, type WorkingKeys } from '../../security';
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';
import { TerminalSession } from '../terminal-session';

const KEY_LENGTH: Record<SignOnKeyLayout, 8 | 16> = { '001': 8, '003': 16, '004': 16 };

export const signOn: Participant = {
  name: 'sign-on',
  process(ex: Exchange): Verdict {
    if (ex.mti !== '0800') return 'next';
    const services = ex.services;
    const entry = ex.entry!;
    const f60 = ex.field(60) ?? '';
    const layout = (f60.slice(8, 11) || '003') as SignOnKeyLayout;
    if (!(layout in KEY_LENGTH)) {
      services.log.warn('sign-on asks for an unknown key layout, answered 30', { terminal: ex.terminalId, layout });
      ex.respond(RC.formatError);
      return 'done';
    }
    const length = KEY_LENGTH[layout];
    const keys: WorkingKeys = { pik: generateKey(length, services.keyRandom), mak: generateKey(length, services.keyRandom) };
    if (layout === '004') keys.tdk = generateKey(16, services.keyRandom);

    let session = services.sessions.get(ex.terminalId);
    if (session === undefined || session.merchantId !== entry.merchantId) {
      // A terminal new to this switch (or to this run) keeps the batch it has.
      session = new TerminalSession(ex.terminalId, entry.merchantId, entry.tmk, keys.pik, keys.mak, f60.slice(2, 8));
      services.sessions.set(ex.terminalId, session);
      services.duplicates.restore(session);
    } else {
      session.pik = keys.pik;
      session.mak = keys.mak;
    }
    ex.session = session;
    const response = ex.respond(RC.approved);
    response.fields[60] = '00' + session.batch + layout;
    response.fields[62] = encodeSignOnKeys(entry.tmk, keys, layout);
    keys.tdk?.fill(0);
    return 'done';
  },
};
