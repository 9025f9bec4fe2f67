import type { Rule } from "../model/rule.js";
import { apiServerPublic } from "./api-server-public/api-server-public.js";
import { auditBlindSpot } from "./audit-blind-spot/audit-blind-spot.js";
import { cryptoMinerWorkload } from "./crypto-miner-workload/crypto-miner-workload.js";
import { gpuNodeSpike } from "./gpu-node-spike/gpu-node-spike.js";
import { istioIngressPublic } from "./istio-ingress-public/istio-ingress-public.js";
import { k8sDashboardExposed } from "./k8s-dashboard-exposed/k8s-dashboard-exposed.js";
import { kubeflowDashboardExposed } from "./kubeflow-dashboard-exposed/kubeflow-dashboard-exposed.js";
import { localAccountsEnabled } from "./local-accounts-enabled/local-accounts-enabled.js";
import { nodePublicIp } from "./node-public-ip/node-public-ip.js";
import { rbacDisabled } from "./rbac-disabled/rbac-disabled.js";

/** Every rule the engine runs, one per line. Order is the report order; dependencies are evaluated first. */
export const ALL_RULES: readonly Rule[] = [
  apiServerPublic,
  istioIngressPublic,
  kubeflowDashboardExposed,
  k8sDashboardExposed,
  cryptoMinerWorkload,
  gpuNodeSpike,
  nodePublicIp,
  localAccountsEnabled,
  rbacDisabled,
  auditBlindSpot,
];
