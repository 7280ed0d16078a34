import type { FastifyError, FastifyReply } from 'fastify';

const NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Answers an error as JSON: the status, its name, what was wrong, and the field when one was. */
export function sendError(reply: FastifyReply, statusCode: number, message: string, field?: string): FastifyReply {
  const error = NAMES[statusCode] ?? (statusCode < 500 ? 'Bad Request' : 'Internal Server Error');
  const body = { statusCode, error, message, ...(field === undefined ? {} : { field }) };
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

const PLACES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

/** The field a validation error is about (`body.email`, `query.limit`) and what is wrong with it. */
export function describeInvalid(error: FastifyError): { field: string; message: string } {
  const first = error.validation?.[0];
  const place = PLACES[error.validationContext ?? 'body'] ?? 'body';
  if (!first) return { field: place, message: `${place}: is not valid` };
  const params = first.params as { additionalProperty?: string; missingProperty?: string };
  const path = first.instancePath
    .split('/')
    .filter((p) => p !== '')
    .join('.');
  const at = (name: string) => [place, path, name].filter((p) => p !== '').join('.');
  if (first.keyword === 'additionalProperties' && params.additionalProperty) {
    return { field: at(params.additionalProperty), message: `${at(params.additionalProperty)}: is not a field this takes` };
  }
  if (first.keyword === 'required' && params.missingProperty)
    return { field: at(params.missingProperty), message: `${at(params.missingProperty)}: is required` };
  const field = at('');
  return { field, message: `${field}: ${first.message ?? 'is not valid'}` };
}
