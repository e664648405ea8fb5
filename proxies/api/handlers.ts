// The Toxiproxy API operations: decode the request, call the collections, shape the reply. No sockets here.
import { badRequest } from '../api-error';
import { ApiError } from '../api-error';
import { PopulateError, type ProxyCollection, type ProxyInput } from '../proxy-collection';
import { expectObject, field, parseJson } from './request-body';
import { proxyJson, toxicJson } from './json-shapes';
import { jsonTypeName } from '../toxics/attributes';

export type Reply =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'empty'; status: number }
  | { kind: 'version' };

export interface Request {
  params: string[];
  body(): Promise<Buffer>;
}

export type Handler = (proxies: ProxyCollection, req: Request) => Promise<Reply>;

const json = (status: number, body: unknown): Reply => ({ kind: 'json', status, body });
const noContent: Reply = { kind: 'empty', status: 204 };

function proxyInput(obj: Record<string, unknown>): ProxyInput {
  return {
    name: field(obj, 'name', 'string', 'Proxy') ?? '',
    listen: field(obj, 'listen', 'string', 'Proxy'),
    upstream: field(obj, 'upstream', 'string', 'Proxy') ?? '',
    enabled: field(obj, 'enabled', 'bool', 'Proxy'),
  };
}

export const handlers = {
  proxyIndex: async (proxies) => {
    const out: Record<string, unknown> = {};
    for (const p of proxies.list()) out[p.name] = proxyJson(p);
    return json(200, out);
  },

  proxyCreate: async (proxies, req) => {
    const input = proxyInput(expectObject(parseJson(await req.body()), 'toxiproxy.Proxy'));
    return json(201, proxyJson(await proxies.create(input)));
  },

  proxyShow: async (proxies, req) => json(200, proxyJson(proxies.get(req.params[0]))),

  proxyUpdate: async (proxies, req) => {
    const proxy = proxies.get(req.params[0]);
    const obj = expectObject(parseJson(await req.body()), 'toxiproxy.Proxy');
    const input = proxyInput(obj);
    await proxy.update({ listen: input.listen, upstream: obj.upstream == null ? undefined : input.upstream, enabled: input.enabled });
    return json(200, proxyJson(proxy));
  },

  proxyDelete: async (proxies, req) => {
    await proxies.remove(req.params[0]);
    return noContent;
  },

  /** Every failure is a PopulateError: Toxiproxy answers all of them as JSON with `proxies`. */
  populate: async (proxies, req) => {
    let inputs: ProxyInput[];
    try {
      const value = parseJson(await req.body());
      if (!Array.isArray(value)) {
        throw badRequest(
          `bad request body: json: cannot unmarshal ${jsonTypeName(value)} into Go value of type []struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }`,
        );
      }
      inputs = value.map((item) => proxyInput(expectObject(item, 'toxiproxy.Proxy')));
    } catch (err) {
      throw err instanceof ApiError ? new PopulateError(err, []) : err;
    }
    const created = await proxies.populate(inputs);
    return json(201, { proxies: created.length === 0 ? null : created.map(proxyJson) });
  },

  reset: async (proxies) => {
    await proxies.reset();
    return noContent;
  },

  toxicIndex: async (proxies, req) => json(200, proxies.get(req.params[0]).toxics.list().map(toxicJson)),

  toxicCreate: async (proxies, req) => {
    const proxy = proxies.get(req.params[0]);
    const obj = expectObject(parseJson(await req.body()), 'toxics.ToxicWrapper');
    const entry = proxy.toxics.add({
      name: field(obj, 'name', 'string', 'ToxicWrapper'),
      type: field(obj, 'type', 'string', 'ToxicWrapper'),
      stream: field(obj, 'stream', 'string', 'ToxicWrapper'),
      toxicity: field(obj, 'toxicity', 'float32', 'ToxicWrapper'),
      attributes: obj.attributes,
    });
    return json(200, toxicJson(entry));
  },

  toxicShow: async (proxies, req) => json(200, toxicJson(proxies.get(req.params[0]).toxics.get(req.params[1]))),

  toxicUpdate: async (proxies, req) => {
    const toxics = proxies.get(req.params[0]).toxics;
    toxics.get(req.params[1]);
    const obj = expectObject(parseJson(await req.body()), 'toxics.ToxicWrapper');
    const entry = toxics.update(req.params[1], {
      toxicity: field(obj, 'toxicity', 'float32', 'ToxicWrapper'),
      attributes: obj.attributes,
    });
    return json(200, toxicJson(entry));
  },

  toxicDelete: async (proxies, req) => {
    proxies.get(req.params[0]).toxics.remove(req.params[1]);
    return noContent;
  },

  version: async () => ({ kind: 'version' }),
} satisfies Record<string, Handler>;
