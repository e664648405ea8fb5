// The Toxiproxy-compatible fault proxy, as a library: startProxyServer() runs it in-process.
export { startProxyServer, DEFAULT_API_PORT } from './server';
export type { ProxyServerOptions, RunningProxyServer } from './server';
export { TOXIPROXY_VERSION } from './api/http-api';
export { allToxics, findToxic } from './toxics/registry';
export type { ToxicDefinition, Stage, StageContext, AttributeSpec } from './data/stage';
