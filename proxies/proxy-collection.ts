// Every proxy by name: create, delete, populate (replace only what changed) and reset. Knows nothing of HTTP.
import type { Prng } from '../harness/security/prng';
import { normalizeListen } from './address';
import { ApiError } from './api-error';
import type { ProxyMetrics } from './metrics';
import { checkName } from './names';
import { Proxy } from './proxy';

export interface ProxyInput {
  name: string;
  /** Divergence: when missing or empty, 127.0.0.1:0 (Toxiproxy binds all interfaces). */
  listen?: string;
  upstream: string;
  enabled?: boolean;
}

export class PopulateError extends ApiError {
  constructor(cause: ApiError, readonly created: Proxy[]) {
    super(cause.status, cause.message);
  }
}

export class ProxyCollection {
  private readonly proxies = new Map<string, Proxy>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly rng: Prng, private readonly metrics: ProxyMetrics) {}

  /** Runs API operations one at a time, so two requests never interleave around a listener start. */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Sorted by name, as Go marshals a map. */
  list(): Proxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): Proxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw new ApiError(404, 'proxy not found');
    return proxy;
  }

  static validate(input: { name?: string; upstream?: string }, suffix = ''): void {
    if (!input.name) throw new ApiError(400, `missing required field: name${suffix}`);
    if (!input.upstream) throw new ApiError(400, `missing required field: upstream${suffix}`);
    checkName(input.name, 'proxy');
  }

  async create(input: ProxyInput): Promise<Proxy> {
    ProxyCollection.validate(input);
    if (this.proxies.has(input.name)) throw new ApiError(409, 'proxy already exists');
    const proxy = new Proxy(input.name, input.listen || '127.0.0.1:0', input.upstream, this.rng.fork(`proxy/${input.name}`), this.metrics);
    if (input.enabled ?? true) await proxy.start();
    this.proxies.set(proxy.name, proxy);
    return proxy;
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.proxies.delete(name);
    proxy.toxics.removeAll();
    await proxy.stop();
  }

  /**
   * Validates every entry, then adds or replaces in order. An existing proxy with the same listen and upstream is
   * kept untouched (toxics and enabled state too). On failure, what was created before it stays (as Toxiproxy).
   */
  async populate(inputs: ProxyInput[]): Promise<Proxy[]> {
    try {
      inputs.forEach((input, i) => ProxyCollection.validate(input, ` at proxy ${i + 1}`));
    } catch (err) {
      throw new PopulateError(err as ApiError, []);
    }
    const created: Proxy[] = [];
    for (const input of inputs) {
      try {
        const existing = this.proxies.get(input.name);
        const listen = input.listen || '127.0.0.1:0';
        if (existing) {
          const same = normalizeListen(listen) === normalizeListen(existing.listen) && input.upstream === existing.upstream && !/:0$/.test(listen);
          if (same) {
            created.push(existing);
            continue;
          }
          await this.remove(existing.name);
        }
        created.push(await this.create({ ...input, listen }));
      } catch (err) {
        throw new PopulateError(err instanceof ApiError ? err : new ApiError(500, String(err)), created);
      }
    }
    return created;
  }

  /** Re-enables every proxy and removes every toxic; deletes nothing. */
  async reset(): Promise<void> {
    for (const proxy of this.list()) {
      await proxy.start();
      proxy.toxics.removeAll();
    }
  }

  async closeAll(): Promise<void> {
    for (const proxy of this.list()) await this.remove(proxy.name);
  }
}
