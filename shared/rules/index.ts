import type { Rule } from "../model/rule.js";
import { apiServerPublic } from "./api-server-public/api-server-public.js";
import { auditBlindSpot } from "./audit-blind-spot/audit-blind-spot.js";

/** Every rule the engine runs. Order is the report order. */
export const ALL_RULES: readonly Rule[] = [apiServerPublic, auditBlindSpot];
