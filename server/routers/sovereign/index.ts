import { router } from '../../trpc.js';
import { addProcedure } from './add.js';
import { approveProcedure } from './approve.js';
import { decisionsProcedure } from './decisions.js';
import { denyProcedure } from './deny.js';
import { forceRotateKeyProcedure } from './force-rotate-key.js';
import { listSovereignsProcedure } from './list.js';
import { removeKeyProcedure } from './remove-key.js';
import { removeNodeProcedure } from './remove-node.js';
import { setRegionProcedure } from './set-region.js';

export const sovereignRouter = router({
  approve: approveProcedure,
  deny: denyProcedure,
  removeNode: removeNodeProcedure,
  /** The name of removeNode before 0.2: kept so that clients built against it keep working. */
  remove: removeNodeProcedure,
  add: addProcedure,
  removeKey: removeKeyProcedure,
  list: listSovereignsProcedure,
  setRegion: setRegionProcedure,
  decisions: decisionsProcedure,
  forceRotateKey: forceRotateKeyProcedure,
});
