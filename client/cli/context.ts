import type { KeyObject } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { createMeshClient, type MeshClient } from '../client.js';
import { loadKey } from '../keys.js';
import { CliError, EXIT } from './failure.js';
import { Output } from './output.js';

export const DEFAULT_URL = 'http://127.0.0.1:8190';

interface GlobalOptions {
  url?: string[];
  key?: string;
  json?: boolean;
}

/** What an action needs from the global options: a client, the key, and where output goes. */
export class CliContext {
  readonly out: Output;
  #client: MeshClient | undefined;

  private constructor(readonly options: GlobalOptions) {
    this.out = new Output(options.json ?? false);
  }

  static of(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>());
  }

  get urls(): string[] {
    return this.options.url ?? [DEFAULT_URL];
  }

  client(): MeshClient {
    this.#client ??= createMeshClient({ url: this.urls });
    return this.#client;
  }

  /** The private key of --key / MESH_KEY. */
  async key(): Promise<KeyObject> {
    if (!this.options.key) throw new CliError('this command signs: pass --key <file> or set MESH_KEY', EXIT.usage);
    return loadKey(this.options.key);
  }
}

// The Fetch standard's "bad ports": the client's fetch refuses them before connecting, which would
// otherwise read as an unreachable mesh.
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113,
  115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
  563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

/**
 * --url takes one URL or several, comma-separated or repeated. Each must be an http(s) URL with a
 * valid port: `localhost:8190` is a usage mistake to point out, not an unreachable mesh.
 */
export function collectUrls(value: string, previous: string[] | undefined): string[] {
  const urls = value
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      const port = /:(\d+)(?:[/?#]|$)/.exec(url)?.[1];
      throw new InvalidArgumentError(
        port && Number(port) > 65535
          ? `${url}: port ${port} is out of range (1 to 65535)`
          : `${url} is not a URL (e.g. ${DEFAULT_URL})`,
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidArgumentError(`${url} is not an http(s) URL: write http://${url.replace(/^[a-z]+:\/\//i, '')}`);
    }
    if (parsed.port === '0' || FETCH_BAD_PORTS.has(Number(parsed.port))) {
      throw new InvalidArgumentError(
        `${url}: port ${parsed.port} is one fetch never connects to (a "bad port" of the Fetch standard): use another`,
      );
    }
  }
  return [...(previous ?? []), ...urls];
}
