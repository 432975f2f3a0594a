import type { ProvisionRefusal } from './identity-linking.ts';
import type { ClaimsRefusal } from './sign-in.ts';

/**
 * Why a sign-in gets no account, in the words the person reads at the callback. The setup's test
 * sign-in shows the same words for what JIT would do, so an IT team sees exactly what people will.
 */
export const signInRefusals: Record<ClaimsRefusal | ProvisionRefusal, string> = {
  subject_unusable: 'Your identity provider sent a user identifier (sub) that is not plain text of at most 255 characters, so no account can be matched. Ask your IT team.',
  email_missing: 'Your identity provider did not send an email address. Ask your IT team to release the email claim to this app.',
  email_not_verified: 'Your identity provider does not vouch for your email address (it is not marked verified), so no account can be matched or created. Ask your IT team.',
  email_domain_not_verified: 'Your email domain is not verified for this organisation. Ask your admin to invite you.',
  identity_conflict:
    'An account with your email address already signs in with a different account at your identity provider, so it was not linked to you. If your identity provider account was recreated, ask your admin to reset your sign-in link.',
};
