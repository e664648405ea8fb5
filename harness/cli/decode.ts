// posfault decode: show an ISO 8583 frame given as hex, field by field, card data masked, secrets never shown.
import { parseArgs } from 'node:util';
import {
  CodecError,
  DialectError,
  fieldRows,
  getDialect,
  MessageCodec,
  type Dialect,
  type FieldRow,
  type Frame,
  type MacAlgorithmName,
} from '../iso8583';
import { decodeFrame } from '../net/framing';
import { computeMacWith, type MacParams } from '../security/mac';

const USAGE = `usage: posfault decode [HEX...] [options]

Decodes one ISO 8583 frame given as hex (arguments, or stdin when none; spaces and newlines allowed).

options:
  --dialect NAME|FILE   cup-pos (default), iso87-ascii, or a .json/.yaml dialect file
  --framing MODE        auto (default): a frame (length, TPDU, header, body) when its length says so, else a bare body
                        frame: must be a frame; none: a bare body (MTI, bitmap, fields)
  --json                print JSON instead of a table
  --unmask              show PAN and track data in clear (PIN block and field 62 are never shown)
  --mak HEX             recompute the MAC (field 64, or 128 where the dialect puts it there) with this key and
                        say whether it is valid
  --mac-alg ALG         cup-ecb, x9.9 or x9.19 (default: the dialect's)
  --mac-padding 1|2     ISO 9797-1 padding method: 1 zeros, 2 0x80 then zeros (default: the dialect's, else 1)
  --cup-ecb-key K       cup-ecb only: single (first 8 bytes of the MAK) or double (all 16) (default: the dialect's)
  -h, --help            this text

exit status: 0 decoded (and the MAC valid, when --mak is given), 1 the bytes do not decode, 2 bad usage,
             3 decoded but the MAC is INVALID (everything is still printed)
`;

class UsageError extends Error {}

/** Exit status when the frame decodes but the recomputed MAC differs from field 64. */
export const EXIT_MAC_INVALID = 3;

interface Options {
  dialect: Dialect;
  framing: 'auto' | 'frame' | 'none';
  json: boolean;
  unmask: boolean;
  mac?: { key: Buffer; params: MacParams & { algorithm: MacAlgorithmName; padding: 1 | 2 } };
}

interface Decoded {
  frame: Frame | null;
  /** Where the body starts in the input bytes. */
  bodyOffset: number;
  /** In auto mode, why the input was not taken as a frame (shown if the bare body fails too). */
  frameError?: CodecError;
}

const MAC_ALGORITHMS: readonly MacAlgorithmName[] = ['cup-ecb', 'x9.9', 'x9.19'];

type MacStatus = { algorithm: MacAlgorithmName; padding: 1 | 2; field: number } & ({ valid: boolean } | { valid: null; note: string });

/** "cup-ecb", or with what differs from the usual: "x9.19, padding 2, field 128", "cup-ecb, double key". */
function macDescription(status: MacStatus, options: Options): string {
  const parts: string[] = [status.algorithm];
  if (status.padding !== 1) parts.push(`padding ${status.padding}`);
  if (options.mac?.params.cupEcbKey === 'double') parts.push('double key');
  if (status.field !== 64) parts.push(`field ${status.field}`);
  return parts.join(', ');
}

function parseOptions(argv: string[]): { options: Options; positionals: string[] } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        dialect: { type: 'string', default: 'cup-pos' },
        framing: { type: 'string', default: 'auto' },
        json: { type: 'boolean', default: false },
        unmask: { type: 'boolean', default: false },
        mak: { type: 'string' },
        'mac-alg': { type: 'string' },
        'mac-padding': { type: 'string' },
        'cup-ecb-key': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const framing = v.framing as string;
  if (framing !== 'auto' && framing !== 'frame' && framing !== 'none') throw new UsageError(`--framing must be auto, frame or none, not "${framing}"`);
  let dialect: Dialect;
  try {
    dialect = getDialect(v.dialect as string);
  } catch (err) {
    if (err instanceof DialectError) throw new UsageError(err.message);
    throw err;
  }
  const options: Options = { dialect, framing, json: v.json === true, unmask: v.unmask === true };
  const algorithm = (v['mac-alg'] ?? dialect.mac.algorithm) as MacAlgorithmName;
  if (!MAC_ALGORITHMS.includes(algorithm)) throw new UsageError(`--mac-alg must be one of ${MAC_ALGORITHMS.join(', ')}`);
  const paddingText = v['mac-padding'] ?? String(dialect.mac.padding ?? 1);
  if (paddingText !== '1' && paddingText !== '2') throw new UsageError(`--mac-padding must be 1 or 2, not "${paddingText}"`);
  const cupEcbKey = v['cup-ecb-key'] ?? (algorithm === 'cup-ecb' ? dialect.mac.cupEcbKey : undefined);
  if (cupEcbKey !== undefined && cupEcbKey !== 'single' && cupEcbKey !== 'double') throw new UsageError(`--cup-ecb-key must be single or double, not "${String(cupEcbKey)}"`);
  if (v['cup-ecb-key'] !== undefined && algorithm !== 'cup-ecb') throw new UsageError('--cup-ecb-key applies to the cup-ecb MAC only');
  if (v.mak !== undefined) {
    // Never echo the key, even when it is malformed.
    const hex = v.mak.replace(/\s+/g, '');
    if (!/^(?:[0-9A-Fa-f]{16}|[0-9A-Fa-f]{32})$/.test(hex)) throw new UsageError('--mak must be 16 or 32 hex characters (an 8- or 16-byte key)');
    if (algorithm === 'x9.19' && hex.length !== 32) throw new UsageError('x9.19 needs a 16-byte (32 hex characters) --mak');
    if (cupEcbKey === 'double' && hex.length !== 32) throw new UsageError('cup-ecb with a double key needs a 16-byte (32 hex characters) --mak');
    const params = { algorithm, padding: Number(paddingText) as 1 | 2, ...(cupEcbKey === undefined ? {} : { cupEcbKey: cupEcbKey as 'single' | 'double' }) };
    options.mac = { key: Buffer.from(hex, 'hex'), params };
  } else {
    for (const flag of ['mac-alg', 'mac-padding', 'cup-ecb-key'] as const) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} needs --mak`);
    }
  }
  return { options, positionals: parsed.positionals };
}

async function readInput(positionals: string[]): Promise<Buffer> {
  let text: string;
  if (positionals.length > 0) {
    text = positionals.join('');
  } else {
    if (process.stdin.isTTY) throw new UsageError('give the frame as hex, as arguments or on stdin');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('latin1');
  }
  const hex = text.replace(/\s+/g, '');
  if (hex === '') throw new UsageError('no hex given');
  const bad = hex.search(/[^0-9A-Fa-f]/);
  if (bad >= 0) throw new UsageError(`not hex: character ${JSON.stringify(hex[bad])} at position ${bad}`);
  if (hex.length % 2 !== 0) throw new UsageError(`odd number of hex digits (${hex.length})`);
  return Buffer.from(hex, 'hex');
}

/** Frame or bare body, per --framing. In auto, a frame is taken only when its length prefix matches the input. */
function splitFrame(bytes: Buffer, options: Options): Decoded {
  const spec = options.dialect.framing;
  if (options.framing === 'none') return { frame: null, bodyOffset: 0 };
  try {
    const frame = decodeFrame(spec, bytes);
    return { frame, bodyOffset: bytes.length - frame.body.length };
  } catch (err) {
    if (options.framing === 'frame' || !(err instanceof CodecError)) throw err;
    return { frame: null, bodyOffset: 0, frameError: err };
  }
}

function framingLines(bytes: Buffer, decoded: Decoded, options: Options): string[] {
  if (decoded.frame === null) return ['framing   none (bare body)'];
  const spec = options.dialect.framing;
  const prefix = bytes.subarray(0, spec.length.bytes);
  const lines = [
    `framing   length ${prefix.toString('hex').toUpperCase()} = ${bytes.length - spec.length.bytes} bytes follow (${spec.length.bytes}-byte ${spec.length.encoding}, ${spec.length.includesHeader ? 'counts TPDU + header' : 'counts the body only'})`,
  ];
  const { tpdu, header } = decoded.frame;
  if (tpdu) {
    const h = tpdu.toString('hex').toUpperCase();
    lines.push(`TPDU      ${h}  (id ${h.slice(0, 2)}, destination ${h.slice(2, 6)}, source ${h.slice(6, 10)})`);
  }
  if (header) lines.push(`header    ${header.toString('hex').toUpperCase()}`);
  return lines;
}

function table(rows: FieldRow[]): string[] {
  const nameWidth = Math.max(4, ...rows.map((r) => r.name.length));
  const formatWidth = Math.max(6, ...rows.map((r) => r.format.length));
  const line = (f: string, n: string, fmt: string, v: string) => `${f.padStart(5)}  ${n.padEnd(nameWidth)}  ${fmt.padEnd(formatWidth)}  ${v}`;
  return [
    line('field', 'name', 'format', 'value'),
    ...rows.map((r) => line(String(r.field), r.name, r.format, r.meaning === undefined ? r.value : `${r.value} (${r.meaning})`)),
  ];
}

/** The dialect's name for an MTI; a dialect without a message-type table, or an MTI not in it, says so. */
function messageType(dialect: Dialect, mti: string): string {
  if (dialect.messageTypes === undefined) return 'no message types in the dialect';
  return dialect.messageTypes[mti] ?? `not a message type of ${dialect.name}`;
}

function describeError(err: CodecError, decoded: Decoded | null): string {
  const where = decoded === null ? `byte ${err.offset} of the input` : `byte ${err.offset} of the body (byte ${decoded.bodyOffset + err.offset} of the input)`;
  return `${err.field === null ? '' : `field ${err.field}: `}${err.reason} at ${where}`;
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  let bytes: Buffer;
  try {
    parsed = parseOptions(argv);
    if (parsed === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    bytes = await readInput(parsed.positionals);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`posfault decode: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  const { options } = parsed;
  const codec = new MessageCodec(options.dialect);
  let decoded: Decoded | null = null;
  try {
    decoded = splitFrame(bytes, options);
    const body = decoded.frame?.body ?? bytes;
    const detail = codec.unpackDetailed(body);
    const rows = fieldRows(options.dialect, detail.message.fields, detail.spans, options.unmask);
    let macStatus: MacStatus | undefined;
    if (options.mac) {
      const { params, key } = options.mac;
      const field = detail.macField;
      const carried = detail.message.fields[field];
      const base = { algorithm: params.algorithm, padding: params.padding, field };
      if (!Buffer.isBuffer(carried)) {
        macStatus = { ...base, valid: null, note: `no MAC (field ${field}) to check` };
      } else {
        const expected = computeMacWith(params, key, codec.macInput(body));
        macStatus = { ...base, valid: expected.equals(carried) };
      }
    }
    const bitmap = body.subarray(detail.mtiLength, detail.mtiLength + detail.bitmapLength);
    if (options.json) {
      const out = {
        dialect: options.dialect.name,
        framing:
          decoded.frame === null
            ? null
            : {
                length: bytes.length - options.dialect.framing.length.bytes,
                tpdu: decoded.frame.tpdu?.toString('hex').toUpperCase() ?? null,
                header: decoded.frame.header?.toString('hex').toUpperCase() ?? null,
              },
        mti: detail.message.mti,
        messageType: messageType(options.dialect, detail.message.mti),
        bitmap: bitmap.toString('hex').toUpperCase(),
        fields: rows,
        ...(macStatus ? { mac: macStatus } : {}),
      };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      const lines = [
        `dialect   ${options.dialect.name}`,
        ...framingLines(bytes, decoded, options),
        `MTI       ${detail.message.mti} (${messageType(options.dialect, detail.message.mti)})`,
        `bitmap    ${bitmap.toString('hex').toUpperCase()}`,
        '',
        ...table(rows),
      ];
      if (macStatus) {
        lines.push('');
        lines.push(macStatus.valid === null ? `MAC       ${macStatus.note}` : `MAC       ${macStatus.valid ? 'valid' : 'INVALID'} (${macDescription(macStatus, options)})`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    }
    // A script checking a trace needs a wrong MAC in the status, not only in the text.
    return macStatus?.valid === false ? EXIT_MAC_INVALID : 0;
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    const message = describeError(err, decoded);
    if (options.json) process.stdout.write(JSON.stringify({ error: { field: err.field, offset: err.offset, reason: err.reason } }, null, 2) + '\n');
    // A truncated or garbled trace usually fails as a frame first: say so, not only why the bare body failed.
    const asFrame = decoded?.frameError ? ` (read as a frame it fails too: ${decoded.frameError.message})` : '';
    process.stderr.write(`posfault decode: does not decode: ${message}${asFrame}\n`);
    return 1;
  }
}
