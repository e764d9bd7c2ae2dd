import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
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

/** --url takes one URL or several, comma-separated or repeated. */
export function collectUrls(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((url) => url.trim())
      .filter((url) => url !== ''),
  ];
}
