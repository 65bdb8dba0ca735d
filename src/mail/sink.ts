import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMessage {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  receivedAt: Date;
}

/** An in-process SMTP server that accepts every message and keeps it in memory: the embedded mail catcher. */
export interface SmtpSink {
  port: number;
  url: string;
  messages: readonly ReceivedMessage[];
  /** Resolves with the first message (already received or arriving within `timeoutMs`) that matches. */
  waitFor(match: (message: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  stop(): Promise<void>;
}

export async function startSmtpSink(options: { port: number; host?: string }): Promise<SmtpSink> {
  const messages: ReceivedMessage[] = [];
  const waiters = new Set<(message: ReceivedMessage) => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const message: ReceivedMessage = {
            messageId: mail.messageId ?? '',
            from: mail.from?.text ?? '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            receivedAt: new Date(),
          };
          messages.push(message);
          waiters.forEach((notify) => notify(message));
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    port,
    url: `smtp://${host}:${port}`,
    messages,
    waitFor(match, timeoutMs = 15_000) {
      const existing = messages.find(match);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(notify);
          reject(new Error(`no matching email arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        const notify = (message: ReceivedMessage) => {
          if (!match(message)) return;
          clearTimeout(timer);
          waiters.delete(notify);
          resolve(message);
        };
        waiters.add(notify);
      });
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
