/**
 * What Lambda bundles get for `@aws-sdk/credential-provider-node` (esbuild alias, see
 * lambda-bundling.ts): the default credential chain reduced to its first link, the environment.
 *
 * Every SDK client imports the full chain (SSO, INI files, web identity, process, IMDS, ECS),
 * and with it a nested STS/SSO client: ~90 KB of every bundle. Lambda always hands a function
 * its role's credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 * `AWS_SESSION_TOKEN`, so the first link is the only one that ever answers there.
 * Not imported by any code, only substituted by the bundler; tests and the local runtime use the
 * real chain.
 */
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** The credential provider every SDK client builds by default, reading the environment only. */
export function defaultProvider(init: FromEnvInit = {}): AwsCredentialIdentityProvider {
  return fromEnv(init);
}
