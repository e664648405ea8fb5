// Batch upload 0320 → 0330: each detail is accepted; the end message after an unbalanced settlement (60.3 = 202)
// closes the batch. 207, the end some acquirers ask for after a balanced settlement, is accepted and changes
// nothing: the balanced 0510 already closed the batch.
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';

const END_OF_UPLOAD = '202';

export const batchUpload: Participant = {
  name: 'batch-upload',
  process(ex: Exchange): Verdict {
    if (ex.mti !== '0320') return 'next';
    const session = ex.session!;
    ex.respond(RC.approved);
    if ((ex.field(60) ?? '').slice(8, 11) === END_OF_UPLOAD) session.advanceBatch();
    return 'done';
  },
};
