// Names that could never be addressed again are refused (divergence: Toxiproxy 2.12 creates them, then 404s).
import { badRequest } from './api-error';

export function checkName(name: string, what: 'proxy' | 'toxic'): void {
  if (name.includes('/')) {
    throw badRequest(`invalid ${what} name "${name}": it must not contain "/" (it could never be addressed in a URL path)`);
  }
}
