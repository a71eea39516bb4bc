// The API's one error shape, {"detail": {code, message, field?}} or {"detail": [ ... ]} for
// validation, turned into something a form can show next to its fields.

import type { ErrorBody } from '../../client';

export class ApiError extends Error {
  readonly status: number;
  readonly detail: ErrorBody | ErrorBody[];
  readonly errors: ErrorBody[];
  readonly code: string;

  constructor(status: number, body: unknown) {
    const errors = normaliseDetail(status, body);
    super(errors[0]?.message ?? `Request failed (${status}).`);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
    this.detail = errors.length === 1 && errors[0] ? errors[0] : errors;
    this.code = errors[0]?.code ?? 'error';
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as ErrorBody).code === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

function normaliseDetail(status: number, body: unknown): ErrorBody[] {
  // Only the API's JSON shape is shown as is: a proxy's HTML error page is not a message.
  const detail = body && typeof body === 'object' ? (body as { detail?: unknown }).detail : null;
  if (Array.isArray(detail)) {
    const items = detail.filter(isErrorBody);
    if (items.length > 0) return items;
  }
  if (isErrorBody(detail)) return [detail];
  if (typeof detail === 'string' && detail.trim() && detail.length < 300) {
    return [{ code: 'error', message: detail }];
  }
  return [{ code: 'error', message: fallbackMessage(status) }];
}

function fallbackMessage(status: number): string {
  if (status === 429) return 'Too many attempts. Wait a moment and try again.';
  if (status >= 500) return 'Something went wrong on our side. Try again in a moment.';
  return `The request failed (${status}).`;
}

export interface DisplayError {
  /** Messages not tied to a field of the form (shown at the top of the form). */
  general: string[];
  /** Messages by field name (`email`, `invite_code`, ...), shown next to the field. */
  fields: Record<string, string>;
}

export const NETWORK_MESSAGE = 'TroubleTree cannot be reached. Check your connection and try again.';

/**
 * Splits an error into field messages and general ones. `knownFields` are the fields the form
 * shows: a message for any other field is shown at the top, so nothing is ever hidden.
 */
export function describeError(error: unknown, knownFields: readonly string[] = []): DisplayError {
  const result: DisplayError = { general: [], fields: {} };
  if (error === null || error === undefined) return result;
  if (error instanceof ApiError) {
    for (const item of error.errors) {
      const field = item.field ?? '';
      if (field && knownFields.includes(field) && !result.fields[field]) {
        result.fields[field] = item.message;
      } else {
        result.general.push(item.message);
      }
    }
    return result;
  }
  if (error instanceof TypeError) {
    result.general.push(NETWORK_MESSAGE);
    return result;
  }
  if (error instanceof Error) {
    result.general.push(error.message);
    return result;
  }
  result.general.push('Something went wrong. Try again.');
  return result;
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}
