import nodemailer from 'nodemailer';
import type { Mailer } from '../activities/email.ts';

export function createMailer(smtpUrl: string, from: string): Mailer {
  // Well inside the activities' 1-minute start-to-close: an invitation's row stays locked while its email is sent.
  const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
  return { transport: nodemailer.createTransport({ url: smtpUrl, ...timeouts }), from };
}
