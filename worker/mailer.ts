import nodemailer from 'nodemailer';
import type { Mailer } from '../activities/email.ts';

export function createMailer(smtpUrl: string, from: string): Mailer {
  return { transport: nodemailer.createTransport(smtpUrl), from };
}
