import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { Settings } from '@vaxledger/config';
import { fail, print, printJson } from '../cli-io';

/**
 * `certificate …`: signed vaccination certificates (docs/adr/0018-signed-certificates.md).
 * Key commands work on the node's key file (CERTIFICATE_KEYS_FILE, default
 * DATA_DIR/certificate-keys.json); `verify` needs only the trust list and is offline.
 */
export const registerCertificateCommands = (program: Command, settings: () => Settings, exit: (code: number) => Error): void => {
  const certificate = program.command('certificate').description('signed vaccination certificates: keys, trust list, offline verification');
  const keyFailure = async (action: () => Promise<void>): Promise<void> => {
    const { CertificateKeyError } = await import('../../../api/src/infrastructure/certificate-keys');
    try {
      await action();
    } catch (error) {
      if (!(error instanceof CertificateKeyError)) throw error;
      fail(`certificate: ${error.message}`);
      throw exit(1);
    }
  };

  certificate
    .command('verify')
    .description(
      'check a card offline: prints valid, invalid or revoked and why (exit 0 valid, 1 invalid, 3 revoked, 2 when an input cannot be read)',
    )
    .argument('<card>', 'shc:/… QR text, a JWS, or a file holding either (or a .smart-health-card file)')
    .option('--trust-list <file...>', 'the national trust list (default: CERTIFICATE_TRUST_LIST)')
    .option('--revocations <file...>', 'signed revocation lists (GET /v1/certificates/revocations answers)', [])
    .addOption(new Option('--json', 'print the verdict as JSON'))
    .action(async (card: string, o: { trustList?: string[]; revocations: string[]; json?: boolean }) => {
      const { verifyCertificate, VerifyInputError } = await import('./verify-certificate');
      const fromEnv = process.env.CERTIFICATE_TRUST_LIST?.trim();
      try {
        const result = await verifyCertificate(card, { trustLists: o.trustList ?? (fromEnv ? [fromEnv] : []), revocations: o.revocations });
        if (o.json) printJson(result.verdict);
        else for (const line of result.lines) print(line);
        if (result.exitCode !== 0) throw exit(result.exitCode);
      } catch (error) {
        if (!(error instanceof VerifyInputError)) throw error;
        fail(`certificate verify: ${error.message}`);
        throw exit(2);
      }
    });

  certificate
    .command('new-key')
    .description('create this province’s certificate key file with a first ES256 key (refuses to overwrite one)')
    .requiredOption('--issuer <url>', 'the https URL cards name as iss; its /.well-known/jwks.json must be this node’s')
    .action(async (o: { issuer: string }) =>
      keyFailure(async () => {
        const { createCertificateKeys } = await import('../../../api/src/infrastructure/certificate-keys');
        const file = settings().certificateKeysFile;
        print(
          `created ${file} (mode 0600) with key ${createCertificateKeys(file, o.issuer)}; add \`certificate trust-entry\` to the national trust list`,
        );
      }),
    );

  certificate
    .command('rotate-key')
    .description('sign new cards with a new key; the old public key stays in the JWKS so its cards still verify')
    .action(async () =>
      keyFailure(async () => {
        const { rotateCertificateKey } = await import('../../../api/src/infrastructure/certificate-keys');
        const { retired, current } = rotateCertificateKey(settings().certificateKeysFile);
        print(`new cards are signed with ${current}; ${retired} is retired (public key kept). Send the new trust entry to the hub.`);
      }),
    );

  certificate
    .command('trust-entry')
    .description('this province’s entry of the national trust list (issuer and every public key), as JSON')
    .action(async () =>
      keyFailure(async () => {
        const { certificateKeyFile, trustEntryOf } = await import('../../../api/src/infrastructure/certificate-keys');
        const s = settings();
        const keys = certificateKeyFile(s.certificateKeysFile, null)();
        if (!keys) {
          fail(`certificate: no key file at ${s.certificateKeysFile}; create one with \`certificate new-key\``);
          throw exit(1);
        }
        printJson(trustEntryOf(keys, s.provinceCode));
      }),
    );

  certificate
    .command('trust-list')
    .description('merge provinces’ trust entries (files) into the national trust list, as JSON (the hub distributes it)')
    .argument('<files...>', 'trust entries or lists')
    .action(async (files: string[]) => {
      const { mergeTrustLists, parseCertificateTrustList, CertificateTrustListError } = await import('@vaxledger/application');
      try {
        printJson(mergeTrustLists(files.map((f) => parseCertificateTrustList(readFileSync(f, 'utf8')))));
      } catch (error) {
        if (!(error instanceof CertificateTrustListError)) throw error;
        fail(`certificate trust-list: ${error.message}`);
        throw exit(1);
      }
    });
};
