// Reading and decoding request bodies the way Toxiproxy's Go json.Decoder reports problems.
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from '../api-error';
import { jsonTypeName } from '../toxics/attributes';

/** Divergence: Toxiproxy reads any size; we refuse bodies over 1 MiB with a 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) {
      reject(tooLarge());
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(tooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', (err) => reject(badRequest(`bad request body: ${err.message}`)));
  });
}

function tooLarge(): ApiError {
  return new ApiError(413, `request body too large: the limit is ${MAX_BODY_BYTES} bytes`);
}

/** Go's decoder: empty → "EOF", truncated → "unexpected EOF". Divergence: trailing garbage is a 400 too. */
export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('bad request body: EOF');
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    if (/end of JSON input/i.test(msg)) throw badRequest('bad request body: unexpected EOF');
    throw badRequest(`bad request body: invalid JSON: ${msg}`);
  }
}

/** The body must be a JSON object (Go struct); `goType` names it in the message. */
export function expectObject(value: unknown, goType: string): Record<string, unknown> {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`bad request body: json: cannot unmarshal ${jsonTypeName(value)} into Go value of type ${goType}`);
  }
  return value as Record<string, unknown>;
}

type FieldKind = 'string' | 'bool' | 'float32';

/** A field of a Go struct: null or absent leaves it unset; another JSON type is Go's unmarshal error. */
export function field<K extends FieldKind>(
  obj: Record<string, unknown>,
  key: string,
  kind: K,
  goStruct: string,
): (K extends 'string' ? string : K extends 'bool' ? boolean : number) | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  const ok = kind === 'string' ? typeof value === 'string' : kind === 'bool' ? typeof value === 'boolean' : typeof value === 'number';
  if (!ok) {
    throw badRequest(`bad request body: json: cannot unmarshal ${jsonTypeName(value)} into Go struct field ${goStruct}.${key} of type ${kind}`);
  }
  // Go's float32 decode refuses a number that rounds beyond the float32 range (1e39, and 1e400 which JSON.parse makes
  // Infinity) instead of storing +Inf, which would come back as "toxicity": null.
  if (kind === 'float32' && !Number.isFinite(Math.fround(value as number))) {
    const text = Number.isFinite(value) ? String(value).replace('e+', 'e') : '';
    throw badRequest(`bad request body: json: cannot unmarshal number ${text ? text + ' ' : ''}into Go struct field ${goStruct}.${key} of type float32`);
  }
  return value as never;
}
