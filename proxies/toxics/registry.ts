// The toxic registry: every other file in this folder registers one toxic when loaded, as Toxiproxy's init().
// Adding a toxic is adding one file here; the folder is read once, at first use.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { ToxicDefinition } from '../data/stage';

const toxics = new Map<string, ToxicDefinition>();
const NOT_TOXICS = new Set(['registry', 'attributes']);
let loaded = false;

export function registerToxic(def: ToxicDefinition): void {
  if (toxics.has(def.type)) throw new Error(`toxic type ${def.type} registered twice`);
  toxics.set(def.type, def);
}

function loadAll(): void {
  if (loaded) return;
  loaded = true;
  for (const file of readdirSync(__dirname).sort()) {
    const m = /^(.+)\.js$/.exec(file);
    if (m && !NOT_TOXICS.has(m[1])) require(path.join(__dirname, file));
  }
}

export function findToxic(type: string): ToxicDefinition | undefined {
  loadAll();
  return toxics.get(type);
}

export function allToxics(): ToxicDefinition[] {
  loadAll();
  return [...toxics.values()];
}
