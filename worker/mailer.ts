import nodemailer from 'nodemailer';
import type { Mailer } from '../activities/email.ts';

export function createMailer(smtpUrl: string, from: string): Mailer {
  // Well inside the activities' 1-minute start-to-close: a hung mail server fails the attempt and the retry policy takes over.
  const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
  return { transport: nodemailer.createTransport({ url: smtpUrl, ...timeouts }), from };
}
