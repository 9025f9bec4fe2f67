import { eksRegistration } from "./aws/eks-registration.js";
import { aksRegistration } from "./azure/aks-registration.js";
import { logAnalyticsRegistration } from "./log-analytics/log-analytics-registration.js";
import type { CollectorRegistration } from "./registry.js";

/** Every collector the engine can run, one per line; each decides from settings whether it is on. */
export const COLLECTORS: readonly CollectorRegistration[] = [
  aksRegistration,
  eksRegistration,
  logAnalyticsRegistration,
];
