import type { MeshContext } from '../context.js';
import { appendEvent } from '../events/log.js';
import { writeAndPublish } from '../write.js';
import type { AdmissionRefusal } from './admission.js';

/**
 * After a registration the admission policies refused has rolled back: an admission.refused event,
 * in a write of its own, with what every policy said (the http oracle's answer among them). The
 * client hears the refusal whatever happens here.
 */
export async function recordAdmissionRefusal(
  mesh: Pick<MeshContext, 'database' | 'hub' | 'clock'>,
  registration: { nodeId: string; publicKey: string },
  refusal: AdmissionRefusal,
): Promise<void> {
  const now = mesh.clock.now();
  await writeAndPublish(mesh.database, mesh.hub, (tx, record) =>
    appendEvent(
      tx,
      record,
      {
        type: 'admission.refused',
        actor: registration.publicKey,
        nodeId: registration.nodeId,
        publicKey: registration.publicKey,
        reason: refusal.message,
        admission: refusal.admission,
      },
      now,
    ),
  ).catch(() => undefined);
}
