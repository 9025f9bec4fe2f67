export type KqlErrorCode = "SyntaxError" | "SemanticError" | "NotImplemented" | "RuntimeError" | "InvalidData";

/**
 * Why a query was refused. SyntaxError/SemanticError carry the first diagnostic of the official parser
 * (the Log Analytics fake answers them as 400 BadArgumentError); NotImplemented names the operator or
 * function the interpreter does not model, so nothing is ever silently skipped.
 */
export class KqlError extends Error {
  override readonly name = "KqlError";

  constructor(
    readonly code: KqlErrorCode,
    message: string,
    readonly start?: number,
    readonly length?: number,
  ) {
    super(message);
  }
}

export const notImplemented = (what: string): KqlError =>
  new KqlError("NotImplemented", `${what} is not implemented by the KQL fake interpreter`);

/** An invariant of the interpreter broke (a bug here, not in the query). */
export const internalError = (what: string): KqlError =>
  new KqlError("NotImplemented", `KQL fake interpreter cannot evaluate this query: ${what}`);
