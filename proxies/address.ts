// host:port parsing with Go's net.SplitHostPort rules and messages, and the loopback default for listen.
export interface HostPort {
  host: string;
  port: number;
}

/** Parses "host:port" / "[v6]:port"; returns an error text like Go's ("missing port in address") or the pair. */
export function splitHostPort(addr: string): HostPort | string {
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0) return 'missing \']\' in address';
    if (close + 1 === addr.length) return 'missing port in address';
    if (addr[close + 1] !== ':') return 'missing port in address';
    host = addr.slice(1, close);
    portText = addr.slice(close + 2);
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon < 0) return 'missing port in address';
    host = addr.slice(0, colon);
    if (host.includes(':')) return 'too many colons in address';
    portText = addr.slice(colon + 1);
  }
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return 'invalid port';
  return { host, port: Number(portText) };
}

/**
 * The host we actually bind. Divergence from Toxiproxy: an empty host (missing listen, or ":port") binds 127.0.0.1,
 * never all interfaces. "localhost" is 127.0.0.1, as Go resolves it.
 */
export function bindHost(host: string): string {
  return host === '' || host === 'localhost' ? '127.0.0.1' : host;
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The listen address as it compares after resolution (Toxiproxy 2.12 resolves before comparing). */
export function normalizeListen(addr: string): string | null {
  const hp = splitHostPort(addr);
  return typeof hp === 'string' ? null : formatHostPort(bindHost(hp.host), hp.port);
}
