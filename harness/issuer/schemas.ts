// Validation of what users hand the issuer: the fault schedule, latency specs, control API bodies.
import { z } from 'zod';
import type { IssuerFaultSchedule, LatencySpec, MaintenanceMode } from './types';

const ms = z.number().finite().nonnegative().max(3_600_000);

export const latencySpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), ms }).strict(),
  z.object({ kind: z.literal('uniform'), minMs: ms, maxMs: ms }).strict().refine((s) => s.minMs <= s.maxMs, 'minMs must not exceed maxMs'),
  z.object({ kind: z.literal('normal'), meanMs: ms, stdDevMs: ms }).strict(),
  z.object({ kind: z.literal('lognormal'), medianMs: ms.positive(), sigma: z.number().finite().nonnegative().max(5) }).strict(),
]);

export const maintenanceModeSchema = z.enum(['refuse', 'answer-91', 'answer-96', 'silent']);
export const responseCodeSchema = z.string().regex(/^[0-9A-Z]{2}$/, 'a response code is two characters, 0-9 or A-Z');
const share = z.number().min(0).max(1);

const timing = { atMs: ms, durationMs: ms.optional() };
export const faultSchema = z.union([
  z.object({ ...timing, kind: maintenanceModeSchema }).strict(),
  z.object({ ...timing, kind: z.literal('latency'), latency: latencySpecSchema }).strict(),
  z.object({ ...timing, kind: z.literal('declines'), share, code: responseCodeSchema.optional() }).strict(),
  z.object({ ...timing, kind: z.literal('crash') }).strict(),
]);
export const faultScheduleSchema = z.array(faultSchema);

export const maintenanceBodySchema = z.object({ mode: maintenanceModeSchema.nullable() }).strict();
export const latencyBodySchema = z.object({ latency: latencySpecSchema.nullable() }).strict();
export const declinesBodySchema = z.object({ share, code: responseCodeSchema.optional() }).strict();

export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new RangeError(`${what}: ${describeZodError(r.error)}`);
  return r.data;
}

export const parseLatency = (v: unknown): LatencySpec => parse(latencySpecSchema, v, 'latency') as LatencySpec;
export const parseMaintenance = (v: unknown): MaintenanceMode => parse(maintenanceModeSchema, v, 'maintenance mode');
export const parseFaults = (v: unknown): IssuerFaultSchedule => parse(faultScheduleSchema, v, 'faults') as IssuerFaultSchedule;
export const parseShare = (v: unknown): number => parse(share, v, 'decline share');
export const parseCode = (v: unknown): string => parse(responseCodeSchema, v, 'response code');
