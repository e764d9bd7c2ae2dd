import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, lt } from 'drizzle-orm';
import {
  MAX_ENROLLMENT_TTL_MS,
  enrollmentKeyState,
  type EnrollmentKeyCreateFields,
  type EnrollmentKeyCreated,
  type EnrollmentKeyRevokeFields,
  type EnrollmentKeyRevoked,
  type EnrollmentKeyView,
} from '../../shared/enrollment.js';
import type { Db, Tx } from '../../db/database.js';
import { enrollmentKeys, type EnrollmentKeyRow } from '../../db/schema.js';
import { MeshError } from '../errors.js';
import { appendEvent } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';

/** What mesh keeps of a secret: its SHA-256, hex. The secret has 256 random bits, so no salt or slow hash is needed. */
export function enrollmentSecretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function tagsOf(json: string): string[] {
  const tags: unknown = JSON.parse(json);
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
}

export function enrollmentKeyView(row: EnrollmentKeyRow): EnrollmentKeyView {
  return {
    id: row.id,
    note: row.note,
    tags: tagsOf(row.tags),
    uses: row.uses,
    maxUses: row.maxUses,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    revokedAt: row.revokedAt,
    revokedBy: row.revokedBy,
  };
}

async function readKey(tx: Db | Tx, id: string): Promise<EnrollmentKeyRow | undefined> {
  const [row] = await tx.select().from(enrollmentKeys).where(eq(enrollmentKeys.id, id));
  return row;
}

/** Refuses a key that would be expired already, or live longer than a year, by mesh's clock. */
export function requireCreatableKey(request: Pick<EnrollmentKeyCreateFields, 'expiresAt'>, now: number): void {
  if (request.expiresAt <= now) {
    throw new MeshError(
      'INVALID_INPUT',
      `invalid input: expiresAt (${request.expiresAt}) must be in the future (mesh's time is ${now})`,
    );
  }
  if (request.expiresAt - now > MAX_ENROLLMENT_TTL_MS) {
    throw new MeshError(
      'INVALID_INPUT',
      'invalid input: expiresAt must be at most a year ahead: enrollment keys are short-lived by design',
    );
  }
}

/** Makes a key: mesh draws its id and secret, keeps the secret's hash, and hands the secret back this once. */
export async function createEnrollmentKey(
  tx: Tx,
  record: WriteRecord,
  request: EnrollmentKeyCreateFields,
  now: number,
): Promise<EnrollmentKeyCreated> {
  requireCreatableKey(request, now);
  const id = randomBytes(8).toString('hex');
  const secret = `mesh-ek-${randomBytes(32).toString('hex')}`;
  await tx.insert(enrollmentKeys).values({
    id,
    secretHash: enrollmentSecretHash(secret),
    note: request.note,
    tags: JSON.stringify(request.tags),
    maxUses: request.maxUses,
    uses: 0,
    expiresAt: request.expiresAt,
    createdAt: now,
    createdBy: request.approverPublicKey,
  });
  const key = enrollmentKeyView((await readKey(tx, id)) as EnrollmentKeyRow);
  await appendEvent(
    tx,
    record,
    { type: 'enrollment-key.created', actor: request.approverPublicKey, publicKey: null, enrollmentKey: key },
    now,
  );
  const uses = key.maxUses === 1 ? 'single-use' : `reusable ${key.maxUses} times`;
  return {
    success: true,
    key,
    secret,
    message: `Enrollment key ${id} created (${uses}, until ${new Date(key.expiresAt).toISOString()}). Its secret is shown this once: mesh keeps only its hash.`,
  };
}

/** Every key, oldest first: metadata only. */
export async function listEnrollmentKeys(db: Db | Tx): Promise<EnrollmentKeyView[]> {
  return (await db.select().from(enrollmentKeys).orderBy(asc(enrollmentKeys.createdAt), asc(enrollmentKeys.id))).map(
    enrollmentKeyView,
  );
}

/** Revokes a key: it admits nobody from then on; revoking it again changes nothing. */
export async function revokeEnrollmentKey(
  tx: Tx,
  record: WriteRecord,
  request: EnrollmentKeyRevokeFields,
  now: number,
): Promise<EnrollmentKeyRevoked> {
  const row = await readKey(tx, request.keyId);
  if (!row) throw new MeshError('ENROLLMENT_KEY_NOT_FOUND', `no enrollment key ${request.keyId}`);
  if (row.revokedAt !== null) {
    return { success: true, key: enrollmentKeyView(row), message: `Enrollment key ${row.id} was already revoked.` };
  }
  await tx
    .update(enrollmentKeys)
    .set({ revokedAt: now, revokedBy: request.approverPublicKey })
    .where(and(eq(enrollmentKeys.id, row.id), isNull(enrollmentKeys.revokedAt)));
  const key = enrollmentKeyView((await readKey(tx, row.id)) as EnrollmentKeyRow);
  await appendEvent(
    tx,
    record,
    { type: 'enrollment-key.revoked', actor: request.approverPublicKey, publicKey: null, enrollmentKey: key },
    now,
  );
  return { success: true, key, message: `Enrollment key ${row.id} revoked: it admits nobody from now on.` };
}

/**
 * Takes one use of the key whose secret this is, in the registration's transaction, so two nodes
 * racing for a key's last use cannot both get it: the update counts only while a use is left.
 * Refuses an unknown, revoked, expired or spent key with a code that says which.
 */
export async function spendEnrollmentKey(tx: Tx, secret: string, now: number): Promise<EnrollmentKeyView> {
  const [row] = await tx
    .select()
    .from(enrollmentKeys)
    .where(eq(enrollmentKeys.secretHash, enrollmentSecretHash(secret)));
  if (!row) {
    throw new MeshError('ENROLLMENT_KEY_UNKNOWN', 'the enrollment key is not one mesh issued (or it was mistyped)');
  }
  const refusal = enrollmentKeyRefusal(enrollmentKeyView(row), now);
  if (refusal) throw refusal;
  const spent = await tx
    .update(enrollmentKeys)
    .set({ uses: row.uses + 1 })
    .where(
      and(eq(enrollmentKeys.id, row.id), eq(enrollmentKeys.uses, row.uses), lt(enrollmentKeys.uses, enrollmentKeys.maxUses)),
    );
  if (spent.rowsAffected !== 1) {
    throw new MeshError(
      'ENROLLMENT_KEY_SPENT',
      `enrollment key ${row.id} was used up by another registration at the same moment`,
    );
  }
  return enrollmentKeyView((await readKey(tx, row.id)) as EnrollmentKeyRow);
}

/** Why a key admits nobody at `now`, or null while it does. */
export function enrollmentKeyRefusal(key: EnrollmentKeyView, now: number): MeshError | null {
  switch (enrollmentKeyState(key, now)) {
    case 'revoked':
      return new MeshError('ENROLLMENT_KEY_REVOKED', `enrollment key ${key.id} was revoked: ask a sovereign for another`);
    case 'expired':
      return new MeshError(
        'ENROLLMENT_KEY_EXPIRED',
        `enrollment key ${key.id} expired at ${new Date(key.expiresAt).toISOString()}: ask a sovereign for another`,
      );
    case 'spent':
      return new MeshError(
        'ENROLLMENT_KEY_SPENT',
        `enrollment key ${key.id} is used up (${key.uses} of ${key.maxUses} uses): ask a sovereign for another`,
      );
    case 'usable':
      return null;
  }
}
