/**
 * Refusals of member and site changes, thrown by the db/ functions the api, the reminders and the
 * directory share. Messages are written for the admin who asked; api/errors.ts maps each to a status.
 */
export class MemberNotFoundError extends Error {
  override name = 'MemberNotFoundError';
  constructor() {
    super('No such member in this organisation.');
  }
}

/** Also for a site of another organisation: its existence is not revealed. */
export class SiteNotFoundError extends Error {
  override name = 'SiteNotFoundError';
  constructor(readonly siteIds: readonly string[]) {
    super(`No such site in this organisation: ${siteIds.join(', ')}.`);
  }
}

export class MemberDisabledError extends Error {
  override name = 'MemberDisabledError';
  constructor() {
    super('This member is disabled; their site assignments are kept as they are. Enable the member first to change them.');
  }
}

export class LastOrgAdminError extends Error {
  override name = 'LastOrgAdminError';
  constructor() {
    super('This is the last active org admin of the organisation; make another member org admin first.');
  }
}

export class SiteRuleNotFoundError extends Error {
  override name = 'SiteRuleNotFoundError';
  constructor() {
    super('No such site-access rule in this organisation.');
  }
}

/** Also for a group of another organisation's directory. */
export class DirectoryGroupNotFoundError extends Error {
  override name = 'DirectoryGroupNotFoundError';
  constructor() {
    super('No such directory group in this organisation.');
  }
}

export class SiteRuleExistsError extends Error {
  override name = 'SiteRuleExistsError';
  constructor() {
    super('This group already has a rule for this site. Delete it first to give the site with another site role.');
  }
}
