import { InvalidArgumentError, Option, type Command } from 'commander';
import { serviceInputSchema, type ServiceInput } from '../../shared/requests.js';
import { locationSchema } from '../../shared/fields.js';
import { enrollmentKeySchema } from '../../shared/enrollment.js';
import type { Registration } from '../signed-requests.js';
import { describeIssues } from '../../shared/issues.js';

/** `type:port[:publicKeyHex]`, checked with mesh's own schema. */
export function parseService(value: string, previous: ServiceInput[] | undefined): ServiceInput[] {
  const [type, port, publicKey, ...rest] = value.split(':');
  if (!type || !port || rest.length > 0) throw new InvalidArgumentError('expected type:port[:publicKeyHex], e.g. ledger:8080');
  const parsed = serviceInputSchema.safeParse({ type, port: Number(port), publicKey: publicKey || undefined });
  if (!parsed.success) {
    throw new InvalidArgumentError(describeIssues(parsed.error.issues, ' '));
  }
  return [...(previous ?? []), parsed.data];
}

/** A region or zone, checked with mesh's own schema before anything is signed. */
export function parseLocation(value: string): string {
  const parsed = locationSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(describeIssues(parsed.error.issues, ' '));
  return parsed.data;
}

export const regionOption = () =>
  new Option('--region <region>', 'where the node runs, e.g. eu-west (signs a mesh-v2 registration)').argParser(parseLocation);
export const zoneOption = () =>
  new Option('--zone <zone>', 'the zone within the region, e.g. eu-west-1a (signs a mesh-v2 registration)').argParser(
    parseLocation,
  );

/** An enrollment key as `mesh enrollment create` printed it; the environment keeps it out of `ps`. */
export const enrollmentKeyOption = () =>
  new Option('--enrollment-key <secret>', 'an enrollment key: approved at once if valid (signs a mesh-v2 registration)')
    .env('MESH_ENROLLMENT_KEY')
    .argParser((value: string) => {
      const parsed = enrollmentKeySchema.safeParse(value.trim());
      if (!parsed.success) throw new InvalidArgumentError(describeIssues(parsed.error.issues, ' '));
      return parsed.data;
    });

export const nodeIdOption = () =>
  new Option('--node-id <id>', 'the node id, e.g. validator-002').env('MESH_NODE_ID').makeOptionMandatory();
export const ipOption = () => new Option('--ip <address>', "the node's Tailscale IP");

export interface RegistrationOptions {
  nodeId: string;
  hostname: string;
  ip?: string;
  service?: ServiceInput[];
  region?: string;
  zone?: string;
  enrollmentKey?: string;
}

/** The options that describe a node to mesh, for register, agent and sign register. */
export function withRegistrationOptions(command: Command): Command {
  return command
    .addOption(nodeIdOption())
    .requiredOption('--hostname <name>', "the node's Tailscale DNS name, e.g. validator-b.ts.net")
    .addOption(ipOption())
    .option('--service <type:port[:pubkey]>', 'a service the node offers; repeat for each', parseService)
    .addOption(regionOption())
    .addOption(zoneOption())
    .addOption(enrollmentKeyOption());
}

export function registrationOf(options: RegistrationOptions): Registration {
  return {
    nodeId: options.nodeId,
    tailscaleHostname: options.hostname,
    tailscaleIP: options.ip,
    services: options.service ?? [],
    ...(options.region ? { region: options.region } : {}),
    ...(options.zone ? { zone: options.zone } : {}),
    ...(options.enrollmentKey ? { enrollmentKey: options.enrollmentKey } : {}),
  };
}
