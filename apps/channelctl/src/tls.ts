/**
 * `--ca FILE` (DROVER_API_CA): the certificate authority that signed the API's certificate, for a
 * controller serving HTTPS with a certificate of a private CA. It is added to the CAs this process
 * trusts (Node's `tls.setDefaultCACertificates`, which `fetch` uses), the system's included.
 */
import { readFileSync } from 'node:fs';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { UsageError } from './commands.js';

export function trustApiCa(file: string): void {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca: cannot read ${file}: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--ca: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  try {
    setDefaultCACertificates([...getCACertificates('default'), pem]);
  } catch (err) {
    throw new UsageError(`--ca: ${file}: not a usable certificate: ${(err as Error).message}`);
  }
}
