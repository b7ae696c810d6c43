/** Errors in OpenAI's shape: `{ error: { message, type, param, code } }`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, 'invalid_request_error', param, code);

/** Fastify's own errors (schema validation, body parsing, size limit) mapped to the OpenAI shape. */
export function fromFastifyError(err: {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: Array<{ instancePath?: string; params?: Record<string, unknown>; message?: string }>;
  validationContext?: string;
}): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation) {
    const first = err.validation[0];
    const missing = first?.params?.missingProperty as string | undefined;
    const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const param = missing ? (path ? `${path}.${missing}` : missing) : path || null;
    return badRequest(
      `invalid request ${err.validationContext ?? 'body'}: ${param ?? ''} ${first?.message ?? err.message}`.replace(
        /\s+/g,
        ' ',
      ),
      param,
    );
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'request body is too large', 'invalid_request_error', null, 'request_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        415,
        'send the request body as application/json',
        'invalid_request_error',
        null,
        'unsupported_media_type',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('the request body is empty; send a JSON object');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new ApiError(err.statusCode, err.message);
  return new ApiError(500, 'internal server error', 'server_error');
}
