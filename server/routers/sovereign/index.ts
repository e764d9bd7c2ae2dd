import { router } from '../../trpc.js';
import { addProcedure } from './add.js';
import { approveProcedure } from './approve.js';
import { denyProcedure } from './deny.js';
import { listSovereignsProcedure } from './list.js';
import { removeKeyProcedure } from './remove-key.js';
import { removeProcedure } from './remove.js';

export const sovereignRouter = router({
  approve: approveProcedure,
  deny: denyProcedure,
  remove: removeProcedure,
  add: addProcedure,
  removeKey: removeKeyProcedure,
  list: listSovereignsProcedure,
});
