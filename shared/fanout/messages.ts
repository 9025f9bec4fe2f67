import { z } from "zod";
import type { ScopeSpec } from "./scopes.js";

/** What travels on the scope queue (base64 JSON, as the Functions queue trigger expects; well under 64 KB). */
export type FanOutMessage =
  | { readonly v: 1; readonly kind: "scope"; readonly runId: string; readonly scope: ScopeSpec }
  | { readonly v: 1; readonly kind: "finish"; readonly runId: string; readonly reason: "complete" | "deadline" };

const scopeSchema = z.union([
  z.strictObject({ kind: z.literal("azure"), subscriptions: z.array(z.string().regex(/^[0-9a-f-]{36}$/i)).max(1000) }),
  z.strictObject({
    kind: z.literal("aws"),
    roleArn: z
      .string()
      .regex(/^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/)
      .nullable(),
    region: z.string().regex(/^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/),
  }),
]);

const messageSchema = z.union([
  z.strictObject({ v: z.literal(1), kind: z.literal("scope"), runId: z.uuid(), scope: scopeSchema }),
  z.strictObject({
    v: z.literal(1),
    kind: z.literal("finish"),
    runId: z.uuid(),
    reason: z.enum(["complete", "deadline"]),
  }),
]);

/** Queue messages are input: anything else on the queue is refused with a clear error (and poisons, visibly). */
export function parseFanOutMessage(raw: unknown): FanOutMessage {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new TypeError("scope queue message is not JSON");
    }
  }
  const parsed = messageSchema.safeParse(value);
  if (!parsed.success)
    throw new TypeError(
      `scope queue message is not a cluster-audit message: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  return parsed.data;
}

export const MAX_MESSAGE_BYTES = 48 * 1024;

export function encodeMessage(message: FanOutMessage): string {
  const text = Buffer.from(JSON.stringify(message), "utf8").toString("base64");
  if (text.length > MAX_MESSAGE_BYTES)
    throw new RangeError(`scope message of ${text.length} bytes is over the queue's limit`);
  return text;
}
