import { eksRegistration } from "./aws/eks-registration.js";
import { eksLoadBalancerRegistration } from "./aws/lb-exposure-registration.js";
import { aksRegistration } from "./azure/aks-registration.js";
import { gpuHistoryRegistration } from "./gpu-history/gpu-history-registration.js";
import { logAnalyticsRegistration } from "./log-analytics/log-analytics-registration.js";
import type { CollectorRegistration } from "./registry.js";

/** Every collector the engine can run, one per line; each decides from settings whether it is on. */
export const COLLECTORS: readonly CollectorRegistration[] = [
  aksRegistration,
  eksRegistration,
  eksLoadBalancerRegistration,
  gpuHistoryRegistration,
  logAnalyticsRegistration,
];
