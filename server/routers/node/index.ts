import { router } from '../../trpc.js';
import { changesProcedure } from './changes.js';
import { getProcedure } from './get.js';
import { heartbeatsProcedure } from './heartbeats.js';
import { listProcedure } from './list.js';
import { registerProcedure } from './register.js';
import { rotateKeyProcedure } from './rotate-key.js';
import { topologyProcedure } from './topology.js';

export const nodeRouter = router({
  register: registerProcedure,
  list: listProcedure,
  changes: changesProcedure,
  get: getProcedure,
  topology: topologyProcedure,
  heartbeats: heartbeatsProcedure,
  rotateKey: rotateKeyProcedure,
});
