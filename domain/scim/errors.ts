/** RFC 7644 §3.12 error types this service answers with. */
export type ScimType = 'invalidSyntax' | 'invalidFilter' | 'invalidValue' | 'invalidPath' | 'noTarget' | 'uniqueness' | 'mutability';

export type ScimStatus = 400 | 401 | 404 | 409 | 413 | 415 | 503;

/** A refusal of a SCIM request, written for the directory's administrator who reads their IdP's logs. */
export class ScimError extends Error {
  override name = 'ScimError';
  constructor(
    readonly status: ScimStatus,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }
}

export const invalidSyntax = (detail: string) => new ScimError(400, detail, 'invalidSyntax');
export const invalidFilter = (detail: string) => new ScimError(400, detail, 'invalidFilter');
export const invalidValue = (detail: string) => new ScimError(400, detail, 'invalidValue');
export const invalidPath = (detail: string) => new ScimError(400, detail, 'invalidPath');
export const noTarget = (detail: string) => new ScimError(400, detail, 'noTarget');
export const mutability = (detail: string) => new ScimError(400, detail, 'mutability');
export const uniqueness = (detail: string) => new ScimError(409, detail, 'uniqueness');
export const resourceNotFound = (id: string) => new ScimError(404, `No User with id "${id.slice(0, 64)}" in this directory.`);
