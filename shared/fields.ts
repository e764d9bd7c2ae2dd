import { z } from 'zod';
import { publicKeyWeakness } from './key-check.js';

// Field patterns come from the signing protocol (docs/protocol.md): every field that is
// rebuilt into a signed message must be free of line breaks, so the patterns are strict.

export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const SERVICE_TYPE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const HEX_KEY_PATTERN = /^[0-9a-fA-F]{64}$/;
const HOSTNAME_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME_PATTERN = new RegExp(`^${HOSTNAME_LABEL}(?:\\.${HOSTNAME_LABEL})*\\.?$`);
// C0 and C1 controls and DEL: a NUL truncates the text wherever it is shown in C strings (and in
// some terminals and log viewers), a line break would split a signed message's line, an escape
// sequence repaints an operator's terminal. No field of mesh has a use for any of them.
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;
const NO_CONTROL_CHARACTERS_MESSAGE =
  'must not contain control characters (NUL, line breaks, escapes: U+0000-U+001F, U+007F-U+009F)';

/** A string with no control character; checked first, so a NUL is named as such whatever else is wrong. */
const text = () => z.string().regex(NO_CONTROL_CHARACTERS, { message: NO_CONTROL_CHARACTERS_MESSAGE, abort: true });

export const MAX_SERVICES = 32;
export const MAX_DESCRIPTION_LENGTH = 200;

export const nodeIdSchema = text().regex(
  NODE_ID_PATTERN,
  'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
);

/** Ed25519 public key, 32 bytes as hex; upper case is accepted and lowered before use. */
export const publicKeyHexSchema = text()
  .regex(HEX_KEY_PATTERN, 'must be an Ed25519 public key: 64 hexadecimal characters')
  .transform((hex) => hex.toLowerCase());

export const hostnameSchema = text()
  .max(253, 'must be at most 253 characters')
  .regex(HOSTNAME_PATTERN, 'must be a DNS name such as validator-b.ts.net');

export const ipSchema = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

export const portSchema = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be 1 to 65535')
  .max(65535, 'must be 1 to 65535');

export const serviceTypeSchema = text().regex(
  SERVICE_TYPE_PATTERN,
  'must be 1-32 lowercase letters, digits, "_" or "-", starting with a letter or digit',
);

/** Milliseconds since the Unix epoch, as `Date.now()` gives them. */
export const timestampSchema = z
  .number({ error: 'must be a number of milliseconds since the Unix epoch' })
  .int('must be an integer number of milliseconds')
  .min(0, 'must not be negative')
  .max(Number.MAX_SAFE_INTEGER, 'is too large');

/**
 * A missing or malformed signature is an authentication failure (401), not a validation one,
 * so the schema only bounds its size and the signature middleware judges it.
 */
export const signatureSchema = z.string().max(1024, 'is too long').optional();

export const descriptionSchema = text().max(MAX_DESCRIPTION_LENGTH, `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);

export const LOCATION_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Where a node runs (region such as `eu-west`, zone such as `eu-west-1a`): a short lowercase token. */
export const locationSchema = text().regex(
  LOCATION_PATTERN,
  'must be 1-64 lowercase letters, digits or "-", starting with a letter or digit',
);

export const NODE_STATUSES = ['pending', 'active', 'offline', 'denied'] as const;
export const nodeStatusSchema = z.enum(NODE_STATUSES);
export type NodeStatus = z.infer<typeof nodeStatusSchema>;

/**
 * A public key entering mesh (a node's registration, a sovereign key): besides its format, the
 * point must decode strictly and must be torsion-free: neither small nor mixed order (see key-check.ts).
 */
export const newPublicKeySchema = publicKeyHexSchema.superRefine((hex, ctx) => {
  const weakness = publicKeyWeakness(hex);
  if (weakness) ctx.addIssue({ code: 'custom', message: weakness });
});
