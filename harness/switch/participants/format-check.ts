// Rejects, with 30 (format error), requests the switch does not handle or that lack what their MTI needs.
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';

interface Shape {
  required: readonly number[];
  /** Allowed processing codes (field 3), when the MTI carries one. */
  processing?: readonly string[];
}

const SHAPES: Record<string, Shape> = {
  '0800': { required: [11, 41, 42, 60] },
  '0200': { required: [2, 3, 11, 41, 42, 60], processing: ['000000', '310000', '200000'] },
  '0220': { required: [2, 3, 4, 11, 41, 42, 60], processing: ['200000'] },
  '0400': { required: [2, 3, 4, 11, 41, 42, 60], processing: ['000000', '200000'] },
  '0500': { required: [11, 41, 42, 48, 60] },
  '0320': { required: [11, 41, 42, 60] },
};

/** Why the request is malformed, or undefined when it is fine. */
export function formatProblem(ex: Exchange): string | undefined {
  const shape = SHAPES[ex.mti];
  if (shape === undefined) return `MTI ${ex.mti} is not handled`;
  for (const n of shape.required) {
    if (ex.request.fields[n] === undefined) return `field ${n} missing`;
  }
  const processing = ex.field(3);
  if (shape.processing !== undefined && (processing === undefined || !shape.processing.includes(processing))) {
    return `processing code ${String(processing)} not allowed in ${ex.mti}`;
  }
  if ((processing === '000000' || processing === '200000') && ex.request.fields[4] === undefined) return 'field 4 missing';
  // A void names its sale and a refund its original in 61 (original batch n6 + original STAN n6 [+ date n4]).
  if ((processing === '200000' && ex.mti !== '0400') && !/^\d{12}/.test(ex.field(61) ?? '')) return 'field 61 (original batch + STAN) missing';
  const f60 = ex.field(60);
  if (f60 === undefined || !/^\d{8}/.test(f60)) return 'field 60 must start with type n2 + batch n6';
  return undefined;
}

export const formatCheck: Participant = {
  name: 'format-check',
  process(ex: Exchange): Verdict {
    const problem = formatProblem(ex);
    if (problem === undefined) return 'next';
    ex.services.log.warn('format error, answered 30', { terminal: ex.terminalId, stan: ex.stan, mti: ex.mti, reason: problem });
    ex.respond(RC.formatError);
    return 'done';
  },
};
