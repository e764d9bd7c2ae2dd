// parse-prometheus-text-format ships no types: this is the part of its output the tests read.
// @ts-expect-error no declaration file
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Sample {
  labels?: Record<string, string>;
  value?: string;
  count?: string;
  sum?: string;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

const parse = parsePrometheusTextFormat as (text: string) => MetricFamily[];

/** A scrape of GET /metrics, read by an independent Prometheus text-format parser. */
export class Scrape {
  readonly families: Map<string, MetricFamily>;

  constructor(private readonly text: string) {
    this.families = new Map(parse(text).map((family) => [family.name, family]));
  }

  static async of(baseUrl: string): Promise<Scrape> {
    const response = await fetch(`${baseUrl}/metrics`);
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
    return new Scrape(await response.text());
  }

  /** The sum of the samples of `name` whose labels include `labels` (a histogram's count). */
  value(name: string, labels: Record<string, string> = {}): number {
    const family = this.families.get(name);
    if (!family) throw new Error(`no metric ${name} in the scrape`);
    if (family.type === 'HISTOGRAM') return this.#histogramCount(name, labels);
    return family.metrics
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value))
      .reduce((total, sample) => total + Number(sample.value ?? sample.count ?? 0), 0);
  }

  /** The parser merges a histogram's label sets into one: its counts are read from the `_count` lines. */
  #histogramCount(name: string, labels: Record<string, string>): number {
    let total = 0;
    for (const line of this.text.split('\n')) {
      const match = new RegExp(`^${name}_count(?:\\{(.*)\\})? (\\S+)$`).exec(line);
      if (!match) continue;
      const found = new Map([...(match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]));
      if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) total += Number(match[2]);
    }
    return total;
  }

  /** Every label value of every sample. */
  labelValues(): string[] {
    const parsed = [...this.families.values()].flatMap((family) =>
      family.metrics.flatMap((sample) => Object.values(sample.labels ?? {})),
    );
    const raw = [...this.text.matchAll(/="((?:[^"\\]|\\.)*)"/g)].map((pair) => pair[1] ?? '');
    return [...parsed, ...raw];
  }
}
