import { z } from 'zod';
import { IdSchema } from './ids';

/**
 * Emails logged on a ticket, and the classifier that turns each one into a ticket-email trigger
 * (`email_sent_to_customer`, `customer_replied`) or an ignored event with its reason, and decides whether the
 * email reopens the ticket. Workflow code imports this module, so everything here is pure: no clock, no I/O.
 */

export const EmailDirections = { outbound: 'outbound', inbound: 'inbound' } as const;
export type EmailDirection = (typeof EmailDirections)[keyof typeof EmailDirections];

/** Where an outbound email was sent from: the ticket itself, the contact's record, or a user's connected inbox. */
export const EmailChannels = {
  ticket: 'ticket',
  contactRecord: 'contact_record',
  personalInbox: 'personal_inbox',
} as const;
export type EmailChannel = (typeof EmailChannels)[keyof typeof EmailChannels];

/** One email sent or received on a ticket, as `POST /api/events/email` accepts it. */
export const EmailEventSchema = z
  .object({
    ticketId: IdSchema,
    messageId: z.string().min(1).max(500).describe("the email's Message-ID"),
    threadId: z.string().min(1).max(500).describe('the conversation the email belongs to'),
    direction: z.enum(EmailDirections),
    channel: z
      .enum(EmailChannels)
      .default(EmailChannels.ticket)
      .describe('where an outbound email was sent from; ignored for inbound emails'),
    forwarded: z.boolean().default(false),
    from: z.email({ error: 'use a single email address, like "ana@example.com"' }),
    to: z.string().min(1).max(1000).describe('one address or a comma-separated list'),
    sentAt: z.iso
      .datetime({ offset: true, error: 'use an ISO-8601 instant with an offset, e.g. 2031-05-01T09:00:00Z' })
      .optional(),
  })
  .strict();
export type EmailEvent = z.infer<typeof EmailEventSchema>;

/** The events a `ticket_email` workflow trigger can listen for. */
export const TicketEmailTriggers = {
  emailSentToCustomer: 'email_sent_to_customer',
  customerReplied: 'customer_replied',
} as const;
export type TicketEmailTrigger = (typeof TicketEmailTriggers)[keyof typeof TicketEmailTriggers];

/** Why an email triggers nothing. */
export const IgnoreReasons = {
  forwarded: 'forwarded',
  sentFromContactRecord: 'sent_from_contact_record',
  sentFromPersonalInbox: 'sent_from_personal_inbox',
  replyToForward: 'reply_to_forward',
  notFromContact: 'not_from_contact',
  notOnTicketThread: 'not_on_ticket_thread',
} as const;
export type IgnoreReason = (typeof IgnoreReasons)[keyof typeof IgnoreReasons];

/** Each ignore reason as a sentence for the timeline. */
export const IGNORE_REASON_TEXT: Readonly<Record<IgnoreReason, string>> = {
  forwarded: 'The email was forwarded; forwarded emails do not trigger ticket automations.',
  sent_from_contact_record:
    "The email was sent from the contact's record, not from the ticket; only emails sent from the ticket count.",
  sent_from_personal_inbox:
    "The email was sent from a user's connected personal inbox, not from the ticket; only emails sent from the ticket count.",
  reply_to_forward: 'The email replies to a forwarded email; replies to forwards do not trigger ticket automations.',
  not_from_contact: "The email is not from one of the ticket's contacts.",
  not_on_ticket_thread:
    "The email is one of the other emails sent by the contact, not a reply on one of the ticket's threads.",
};

/** The kinds of thread a ticket remembers; see `TicketContext.threads`. */
export type TicketThreadKind = 'origin' | 'after_reopen' | 'forwarded' | 'other';

/** What the classifier needs to know about the ticket. */
export interface TicketContext {
  /** The state of the ticket's current stage. */
  state: 'open' | 'closed';
  /** The ticket's contacts. */
  contactEmails: string[];
  /**
   * The ticket's threads: the one it was created on ('origin'), threads added after a reopen ('after_reopen'),
   * threads started by a forwarded email ('forwarded'), any other known thread ('other').
   * Should a thread id be listed twice, its first entry counts.
   */
  threads: { threadId: string; kind: TicketThreadKind }[];
  /** The ticket has been reopened at least once. */
  reopened: boolean;
}

export type EmailClassification =
  | { kind: typeof TicketEmailTriggers.emailSentToCustomer }
  | { kind: typeof TicketEmailTriggers.customerReplied }
  | { kind: 'ignored'; reason: IgnoreReason };

export interface EmailDecision {
  classification: EmailClassification;
  /** Always, whatever automation is on: a reply on an existing thread of a closed ticket reopens it. */
  reopen: boolean;
  /**
   * A thread to remember for the ticket, with its kind (e.g. an outbound email from the ticket on a new thread after
   * a reopen → 'after_reopen'; a forwarded email's new thread → 'forwarded').
   */
  addThread?: { threadId: string; kind: Exclude<TicketThreadKind, 'origin'> };
}

/**
 * Classifies one email of a ticket the way the anchor CRM's ticket automations do.
 *
 * Outbound (forwarded is checked before the channel):
 * - forwarded → ignored `forwarded`; a new thread is remembered as 'forwarded', so replies to it are recognised;
 * - sent from the contact record or a personal inbox → ignored `sent_from_contact_record` / `sent_from_personal_inbox`;
 * - sent from the ticket → `email_sent_to_customer`; a new thread is remembered as 'after_reopen' when the ticket has
 *   been reopened, else as 'other'.
 *
 * Inbound (the channel does not matter), in this order:
 * forwarded → ignored `forwarded`; on a 'forwarded' thread → ignored `reply_to_forward`; `from` not one of the
 * ticket's contacts (trimmed, case-insensitive) → ignored `not_from_contact`; on the 'origin' or an 'after_reopen'
 * thread → `customer_replied`; on an 'other' or unknown thread → ignored `not_on_ticket_thread`.
 *
 * Reopen, independent of the classification and of any automation: an inbound, not forwarded email on a thread the
 * ticket already knows (any kind but 'forwarded') of a closed ticket reopens it, provided it comes from one of the
 * ticket's contacts. The contact requirement is a deliberate choice: a colleague on CC, a mailing list or an
 * auto-responder writing on an old thread must not reopen a ticket the customer considers solved.
 * So a contact's email on an 'other' known thread reopens the ticket though it triggers nothing.
 */
export function classifyEmailEvent(event: EmailEvent, ticket: TicketContext): EmailDecision {
  const thread = ticket.threads.find((known) => known.threadId === event.threadId);
  return event.direction === EmailDirections.outbound
    ? classifyOutbound(event, ticket, thread?.kind)
    : classifyInbound(event, ticket, thread?.kind);
}

/** `classification` as the API answers it: 'email_sent_to_customer', 'customer_replied' or 'ignored:<reason>'. */
export function classificationLabel(classification: EmailClassification): string {
  return classification.kind === 'ignored' ? `ignored:${classification.reason}` : classification.kind;
}

function classifyOutbound(
  event: EmailEvent,
  ticket: TicketContext,
  threadKind: TicketThreadKind | undefined,
): EmailDecision {
  const isNewThread = threadKind === undefined;
  if (event.forwarded) {
    return {
      classification: ignored(IgnoreReasons.forwarded),
      reopen: false,
      ...(isNewThread && { addThread: { threadId: event.threadId, kind: 'forwarded' } }),
    };
  }
  switch (event.channel) {
    case EmailChannels.contactRecord:
      return { classification: ignored(IgnoreReasons.sentFromContactRecord), reopen: false };
    case EmailChannels.personalInbox:
      return { classification: ignored(IgnoreReasons.sentFromPersonalInbox), reopen: false };
    case EmailChannels.ticket:
      return {
        classification: { kind: TicketEmailTriggers.emailSentToCustomer },
        reopen: false,
        ...(isNewThread && {
          addThread: { threadId: event.threadId, kind: ticket.reopened ? 'after_reopen' : 'other' },
        }),
      };
  }
}

function classifyInbound(
  event: EmailEvent,
  ticket: TicketContext,
  threadKind: TicketThreadKind | undefined,
): EmailDecision {
  const fromContact = isContact(event.from, ticket.contactEmails);
  const reopen =
    !event.forwarded &&
    threadKind !== undefined &&
    threadKind !== 'forwarded' &&
    fromContact &&
    ticket.state === 'closed';
  return { classification: classifyInboundEmail(event, threadKind, fromContact), reopen };
}

function classifyInboundEmail(
  event: EmailEvent,
  threadKind: TicketThreadKind | undefined,
  fromContact: boolean,
): EmailClassification {
  if (event.forwarded) return ignored(IgnoreReasons.forwarded);
  if (threadKind === 'forwarded') return ignored(IgnoreReasons.replyToForward);
  if (!fromContact) return ignored(IgnoreReasons.notFromContact);
  if (threadKind === 'origin' || threadKind === 'after_reopen') return { kind: TicketEmailTriggers.customerReplied };
  return ignored(IgnoreReasons.notOnTicketThread);
}

function ignored(reason: IgnoreReason): EmailClassification {
  return { kind: 'ignored', reason };
}

function isContact(from: string, contactEmails: readonly string[]): boolean {
  const address = normalizeAddress(from);
  return contactEmails.some((contact) => normalizeAddress(contact) === address);
}

function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}
