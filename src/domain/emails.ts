export const EmailKinds = { internal: 'internal', transactional: 'transactional', marketing: 'marketing' } as const;
export type EmailKind = (typeof EmailKinds)[keyof typeof EmailKinds];

/** An email SMTP accepted, as `GET /api/emails` lists it: one recipient each. */
export interface SentEmail {
  id: string;
  messageId: string;
  recordId: string | null;
  kind: EmailKind;
  from: string;
  to: string;
  subject: string;
  body: string;
  sentAt: string;
}
