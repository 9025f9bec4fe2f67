/**
 * @module
 * The AWS sessions of one composed audit. The composition root hands every registration the
 * same environment object, so keying on it gives the EKS collector and the load-balancer
 * collector one shared set of sessions per run (one credential resolution per account) without
 * a module-level client: another composition, or another test, gets sessions of its own.
 */
import { limitersFor } from "../limits.js";
import type { CollectorEnvironment } from "../registry.js";
import { type AwsSessions, createAwsSessions } from "./aws-sessions.js";

const sessionsByEnvironment = new WeakMap<CollectorEnvironment, AwsSessions>();

export function awsSessionsFor(environment: CollectorEnvironment): AwsSessions {
  let sessions = sessionsByEnvironment.get(environment);
  if (!sessions) {
    const { settings, azureCredential, tuning } = environment;
    const { roleArns, webIdentityAudience } = settings.aws;
    sessions = createAwsSessions({
      roleArns,
      webIdentityAudience,
      ...(webIdentityAudience
        ? {
            // An Entra token from the managed identity, fetched again on every AWS credential refresh.
            getWebIdentityToken: async () => {
              const token = await azureCredential().getToken(`${webIdentityAudience}/.default`);
              if (!token) throw new Error(`no Entra token for the audience ${webIdentityAudience}`);
              return token.token;
            },
          }
        : {}),
      ...(tuning.awsClientOverrides ? { clientOverrides: tuning.awsClientOverrides } : {}),
      limiters: limitersFor(environment),
    });
    sessionsByEnvironment.set(environment, sessions);
  }
  return sessions;
}
