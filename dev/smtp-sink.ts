import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.ts';

export interface SmtpSink {
  url: string;
  messages: ParsedMail[];
  stop(): Promise<void>;
}

/** A real SMTP server on loopback that parses and keeps what it receives (dev mail sink and tests). */
export async function startSmtpSink(
  options: {
    port?: number;
    onMessage?: (mail: ParsedMail) => void;
    /** Refuses these recipients for good (550), like a mail server that knows no such mailbox (tests). */
    rejects?: (address: string) => boolean;
    /** Defers these recipients every time (451), like a full or misconfigured mailbox (tests). */
    defers?: (address: string) => boolean;
    /** Answers each recipient this late, like a mail server under load (tests). */
    recipientDelayMs?: number;
    /** Answers each recipient only once this has settled, like a mail server that stalls until a test lets it go. */
    beforeRecipient?: (address: string) => Promise<void> | void;
  } = {},
): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    async onRcptTo(address, _session, callback) {
      if (options.recipientDelayMs) await new Promise((resolve) => setTimeout(resolve, options.recipientDelayMs));
      await options.beforeRecipient?.(address.address);
      if (options.defers?.(address.address)) return callback(Object.assign(new Error(`mailbox ${address.address} busy, try later`), { responseCode: 451 }));
      if (!options.rejects?.(address.address)) return callback();
      callback(Object.assign(new Error(`no mailbox ${address.address}`), { responseCode: 550 }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        messages.push(mail);
        options.onMessage?.(mail);
        callback();
      }, callback);
    },
  });
  // smtp-server re-emits a client's dropped connection (ECONNRESET from a worker killed mid-send) on
  // the server; unhandled, that 'error' event would end the process holding the sink (npm run dev,
  // a test, the cluster scenario). The client's send fails and is retried; the sink goes on.
  server.on('error', () => {});
  const port = options.port ?? (await freePort());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
