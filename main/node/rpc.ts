import {
  isMethodName,
  methods,
  type ApiErrorShape,
  type MethodName,
  type MethodParams,
  type MethodResult,
} from '../../preload/contract/index.js';
import { ApiError, toApiError } from '../../native-models/common/errors.js';

/**
 * The unknown method for the error message. Never JSON.stringify the caller's value: over Electron IPC it can be a
 * cyclic or very deeply nested object (structured clone carries both), and stringifying those throws.
 */
function describeMethod(method: unknown): string {
  if (typeof method === 'string') return JSON.stringify(method.slice(0, 100));
  if (method === null || typeof method !== 'object') return String(method).slice(0, 100);
  return Array.isArray(method) ? '(an array, not a method name)' : '(an object, not a method name)';
}

export type RpcResponse = { ok: true; result: unknown } | { ok: false; error: ApiErrorShape };

export type Handlers = { [M in MethodName]: (params: MethodParams<M>) => MethodResult<M> | Promise<MethodResult<M>> };

/**
 * The single entry point for every transport: checks the method exists, validates the params against the
 * contract (the caller is untrusted), runs the handler, validates the result, and never throws.
 */
export function createDispatcher(
  handlers: Handlers,
  onInternalError: (err: unknown, method: string) => void = () => {},
) {
  return async function dispatch(method: unknown, params: unknown): Promise<RpcResponse> {
    if (!isMethodName(method)) {
      return {
        ok: false,
        error: new ApiError('UNKNOWN_METHOD', `Unknown method ${describeMethod(method)}`).toJSON(),
      };
    }
    const spec = methods[method];
    const parsed = spec.input.safeParse(params ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const first = issues[0];
      return {
        ok: false,
        error: new ApiError(
          'INVALID_INPUT',
          first ? `${method}: ${first.path ? `${first.path}: ` : ''}${first.message}` : `${method}: invalid parameters`,
          { issues },
        ).toJSON(),
      };
    }
    try {
      const handler = handlers[method] as (p: unknown) => unknown;
      const result = await handler(parsed.data);
      const out = spec.output.safeParse(result);
      if (!out.success) throw new Error(`${method} produced a result that breaks the contract: ${out.error.message}`);
      return { ok: true, result: out.data };
    } catch (err) {
      const apiErr = toApiError(err);
      if (apiErr.code === 'INTERNAL') onInternalError(err, method);
      return { ok: false, error: apiErr.toJSON() };
    }
  };
}
