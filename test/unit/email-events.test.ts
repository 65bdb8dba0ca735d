import fc from 'fast-check';
import {
  classificationLabel,
  classifyEmailEvent,
  type EmailClassification,
  type EmailDecision,
  type EmailEvent,
  EmailChannels,
  EmailDirections,
  EmailEventSchema,
  IGNORE_REASON_TEXT,
  type IgnoreReason,
  IgnoreReasons,
  type TicketContext,
  type TicketThreadKind,
  TicketEmailTriggers,
} from '../../src/domain/email-events';

const ORIGIN = '<origin@mail.example.com>';
const AFTER_REOPEN = '<after-reopen@mail.example.com>';
const FORWARD = '<forward@mail.example.com>';
const OTHER = '<other@mail.example.com>';
const NEW = '<new@mail.example.com>';

const ticket: TicketContext = {
  state: 'open',
  contactEmails: ['Ana@Example.com', ' bo@example.org '],
  threads: [
    { threadId: ORIGIN, kind: 'origin' },
    { threadId: AFTER_REOPEN, kind: 'after_reopen' },
    { threadId: FORWARD, kind: 'forwarded' },
    { threadId: OTHER, kind: 'other' },
  ],
  reopened: true,
};
const closed: Partial<TicketContext> = { state: 'closed' };
const neverReopened: Partial<TicketContext> = { reopened: false };

/** An email as the API would accept it; `channel` and `forwarded` take their defaults unless given. */
const email = (fields: Partial<EmailEvent>): EmailEvent =>
  EmailEventSchema.parse({
    ticketId: 'tkt_1',
    messageId: '<message-1@mail.example.com>',
    threadId: ORIGIN,
    from: 'ana@example.com',
    to: 'support@pipewright.example',
    ...fields,
  });
const outbound = (fields: Partial<EmailEvent> = {}) =>
  email({ direction: 'outbound', from: 'support@pipewright.example', to: 'ana@example.com', ...fields });
const inbound = (fields: Partial<EmailEvent> = {}) => email({ direction: 'inbound', ...fields });

const sent: EmailClassification = { kind: 'email_sent_to_customer' };
const replied: EmailClassification = { kind: 'customer_replied' };
const ignoredFor = (reason: IgnoreReason): EmailClassification => ({ kind: 'ignored', reason });

describe('classifyEmailEvent', () => {
  it.each<[string, EmailEvent, Partial<TicketContext>, EmailDecision]>([
    // Outbound
    ['outbound from the ticket', outbound(), {}, { classification: sent, reopen: false }],
    ['outbound from the ticket, on a closed ticket', outbound(), closed, { classification: sent, reopen: false }],
    [
      'outbound from the ticket on a forwarded thread',
      outbound({ threadId: FORWARD }),
      {},
      { classification: sent, reopen: false },
    ],
    [
      'outbound from the contact record',
      outbound({ channel: 'contact_record' }),
      {},
      { classification: ignoredFor('sent_from_contact_record'), reopen: false },
    ],
    [
      'outbound from a personal inbox',
      outbound({ channel: 'personal_inbox' }),
      {},
      { classification: ignoredFor('sent_from_personal_inbox'), reopen: false },
    ],
    [
      'outbound forwarded from the ticket on a known thread',
      outbound({ forwarded: true }),
      {},
      { classification: ignoredFor('forwarded'), reopen: false },
    ],
    [
      'outbound forwarded from the contact record (forwarded is checked first)',
      outbound({ forwarded: true, channel: 'contact_record' }),
      {},
      { classification: ignoredFor('forwarded'), reopen: false },
    ],
    [
      'outbound forwarded from a personal inbox on a new thread',
      outbound({ forwarded: true, channel: 'personal_inbox', threadId: NEW }),
      {},
      { classification: ignoredFor('forwarded'), reopen: false, addThread: { threadId: NEW, kind: 'forwarded' } },
    ],
    [
      'outbound forwarded from the ticket on a new thread',
      outbound({ forwarded: true, threadId: NEW }),
      closed,
      { classification: ignoredFor('forwarded'), reopen: false, addThread: { threadId: NEW, kind: 'forwarded' } },
    ],
    [
      'outbound from the ticket on a new thread, never reopened',
      outbound({ threadId: NEW }),
      neverReopened,
      { classification: sent, reopen: false, addThread: { threadId: NEW, kind: 'other' } },
    ],
    [
      'outbound from the ticket on a new thread, after a reopen',
      outbound({ threadId: NEW }),
      {},
      { classification: sent, reopen: false, addThread: { threadId: NEW, kind: 'after_reopen' } },
    ],
    [
      'outbound from the contact record on a new thread',
      outbound({ channel: 'contact_record', threadId: NEW }),
      {},
      { classification: ignoredFor('sent_from_contact_record'), reopen: false },
    ],
    [
      'outbound from a personal inbox on a new thread',
      outbound({ channel: 'personal_inbox', threadId: NEW }),
      {},
      { classification: ignoredFor('sent_from_personal_inbox'), reopen: false },
    ],
    // Inbound
    ['inbound from a contact on the origin thread', inbound(), {}, { classification: replied, reopen: false }],
    [
      'inbound from a contact on the origin thread of a closed ticket',
      inbound(),
      closed,
      { classification: replied, reopen: true },
    ],
    [
      'inbound from a contact on an after-reopen thread',
      inbound({ threadId: AFTER_REOPEN }),
      {},
      { classification: replied, reopen: false },
    ],
    [
      'inbound from a contact on an after-reopen thread of a closed ticket',
      inbound({ threadId: AFTER_REOPEN }),
      closed,
      { classification: replied, reopen: true },
    ],
    [
      'inbound from a contact written in another case',
      inbound({ from: 'ANA@example.COM' }),
      {},
      { classification: replied, reopen: false },
    ],
    [
      'inbound from a contact stored with spaces and capitals',
      inbound({ from: 'Bo@Example.ORG' }),
      closed,
      { classification: replied, reopen: true },
    ],
    [
      'inbound forwarded from a contact on the origin thread of a closed ticket',
      inbound({ forwarded: true }),
      closed,
      { classification: ignoredFor('forwarded'), reopen: false },
    ],
    [
      'inbound forwarded from someone else on a new thread',
      inbound({ forwarded: true, from: 'eve@example.net', threadId: NEW }),
      {},
      { classification: ignoredFor('forwarded'), reopen: false },
    ],
    [
      'inbound from a contact replying to a forward on a closed ticket',
      inbound({ threadId: FORWARD }),
      closed,
      { classification: ignoredFor('reply_to_forward'), reopen: false },
    ],
    [
      'inbound from someone else replying to a forward (reply_to_forward is checked first)',
      inbound({ threadId: FORWARD, from: 'eve@example.net' }),
      {},
      { classification: ignoredFor('reply_to_forward'), reopen: false },
    ],
    [
      'inbound from someone else on the origin thread',
      inbound({ from: 'eve@example.net' }),
      {},
      { classification: ignoredFor('not_from_contact'), reopen: false },
    ],
    [
      'inbound from someone else on the origin thread of a closed ticket (no reopen)',
      inbound({ from: 'eve@example.net' }),
      closed,
      { classification: ignoredFor('not_from_contact'), reopen: false },
    ],
    [
      'inbound from someone else on a new thread',
      inbound({ from: 'eve@example.net', threadId: NEW }),
      {},
      { classification: ignoredFor('not_from_contact'), reopen: false },
    ],
    [
      'inbound to a ticket without contacts',
      inbound(),
      { contactEmails: [], state: 'closed' },
      { classification: ignoredFor('not_from_contact'), reopen: false },
    ],
    [
      'inbound from a contact on another known thread',
      inbound({ threadId: OTHER }),
      {},
      { classification: ignoredFor('not_on_ticket_thread'), reopen: false },
    ],
    [
      'inbound from a contact on another known thread of a closed ticket (reopens all the same)',
      inbound({ threadId: OTHER }),
      closed,
      { classification: ignoredFor('not_on_ticket_thread'), reopen: true },
    ],
    [
      'inbound from a contact on a new thread of a closed ticket (no reopen, thread not remembered)',
      inbound({ threadId: NEW }),
      closed,
      { classification: ignoredFor('not_on_ticket_thread'), reopen: false },
    ],
    [
      'inbound with channel contact_record (channel ignored)',
      inbound({ channel: 'contact_record' }),
      closed,
      { classification: replied, reopen: true },
    ],
    [
      'inbound with channel personal_inbox (channel ignored)',
      inbound({ channel: 'personal_inbox', threadId: AFTER_REOPEN }),
      {},
      { classification: replied, reopen: false },
    ],
  ])('%s', (_name, event, ticketFields, expected) => {
    expect(classifyEmailEvent(event, { ...ticket, ...ticketFields })).toStrictEqual(expected);
  });

  it('uses the first entry of a thread listed twice', () => {
    const listedTwice: TicketContext = {
      ...ticket,
      threads: [
        { threadId: NEW, kind: 'origin' },
        { threadId: NEW, kind: 'forwarded' },
      ],
    };
    expect(classifyEmailEvent(inbound({ threadId: NEW }), listedTwice).classification).toEqual(replied);
  });

  it('does not change the ticket context it is given', () => {
    const context = structuredClone(ticket);
    classifyEmailEvent(outbound({ threadId: NEW }), context);
    classifyEmailEvent(inbound({ threadId: NEW }), context);
    expect(context).toStrictEqual(ticket);
  });
});

describe('ignore reasons', () => {
  it('has a sentence for every reason', () => {
    expect(Object.keys(IGNORE_REASON_TEXT).sort()).toEqual(Object.values(IgnoreReasons).sort());
    for (const text of Object.values(IGNORE_REASON_TEXT)) expect(text).toMatch(/^[A-Z].+\.$/);
  });

  it('describes not_on_ticket_thread as other emails sent by the contact', () => {
    expect(IGNORE_REASON_TEXT.not_on_ticket_thread).toContain('other emails sent by the contact');
  });
});

describe('classificationLabel', () => {
  it.each<[EmailClassification, string]>([
    [sent, 'email_sent_to_customer'],
    [replied, 'customer_replied'],
    ...Object.values(IgnoreReasons).map((reason): [EmailClassification, string] => [
      ignoredFor(reason),
      `ignored:${reason}`,
    ]),
  ])('labels %p as %p', (classification, label) => {
    expect(classificationLabel(classification)).toBe(label);
  });

  it('labels triggers with the values a ticket_email trigger listens for', () => {
    expect(classificationLabel(sent)).toBe(TicketEmailTriggers.emailSentToCustomer);
    expect(classificationLabel(replied)).toBe(TicketEmailTriggers.customerReplied);
  });
});

describe('EmailEventSchema', () => {
  const minimal = {
    ticketId: 'tkt_1',
    messageId: '<m1@mail.example.com>',
    threadId: '<t1@mail.example.com>',
    direction: 'inbound',
    from: 'ana@example.com',
    to: 'support@pipewright.example',
  };
  const pathsOf = (input: unknown) => EmailEventSchema.safeParse(input).error?.issues.map(({ path }) => path);

  it('defaults channel to ticket and forwarded to false, and leaves sentAt out', () => {
    expect(EmailEventSchema.parse(minimal)).toStrictEqual({ ...minimal, channel: 'ticket', forwarded: false });
  });

  it('accepts every field, a list of recipients and an instant with an offset', () => {
    const full = {
      ...minimal,
      direction: 'outbound',
      channel: 'personal_inbox',
      forwarded: true,
      to: 'ana@example.com, bo@example.org',
      sentAt: '2025-03-15T09:30:00+02:00',
    };
    expect(EmailEventSchema.parse(full)).toStrictEqual(full);
    expect(EmailEventSchema.parse({ ...minimal, sentAt: '2025-03-15T07:30:00Z' }).sentAt).toBe('2025-03-15T07:30:00Z');
  });

  it('rejects a bad direction', () => {
    expect(pathsOf({ ...minimal, direction: 'sideways' })).toEqual([['direction']]);
    expect(pathsOf({ ...minimal, direction: undefined })).toEqual([['direction']]);
  });

  it.each(['not-an-email', 'Ana <ana@example.com>', 'ana@', ''])('rejects %p as from, saying what to send', (from) => {
    expect(EmailEventSchema.safeParse({ ...minimal, from }).error?.issues).toEqual([
      expect.objectContaining({ path: ['from'], message: expect.stringContaining('single email address') }),
    ]);
  });

  it.each<[string, Record<string, unknown>, PropertyKey[]]>([
    ['an unknown channel', { channel: 'sms' }, ['channel']],
    ['a forwarded flag that is not a boolean', { forwarded: 'yes' }, ['forwarded']],
    ['a ticket id with a slash', { ticketId: 'tkt/1' }, ['ticketId']],
    ['an empty message id', { messageId: '' }, ['messageId']],
    ['an overlong thread id', { threadId: 'x'.repeat(501) }, ['threadId']],
    ['an empty to', { to: '' }, ['to']],
    ['an overlong to', { to: 'a'.repeat(1001) }, ['to']],
    ['sentAt without an offset', { sentAt: '2025-03-15T09:30:00' }, ['sentAt']],
    ['sentAt as a date only', { sentAt: '2025-03-15' }, ['sentAt']],
  ])('rejects %s', (_name, fields, path) => {
    expect(pathsOf({ ...minimal, ...fields })).toEqual([path]);
  });

  it('refuses unknown keys', () => {
    expect(EmailEventSchema.safeParse({ ...minimal, subject: 'Hello' }).success).toBe(false);
  });

  it('accepts the longest allowed ids and recipient list', () => {
    const longest = { ...minimal, messageId: 'm'.repeat(500), threadId: 't'.repeat(500), to: 'a'.repeat(1000) };
    expect(EmailEventSchema.safeParse(longest).success).toBe(true);
  });
});

describe('properties', () => {
  const addresses = ['ana@example.com', 'bo@example.org', 'eve@example.net'];
  const threadIds = ['t1', 't2', 't3', 't4'];
  const threadKinds: TicketThreadKind[] = ['origin', 'after_reopen', 'forwarded', 'other'];

  const eventArb: fc.Arbitrary<EmailEvent> = fc.record({
    ticketId: fc.constant('tkt_1'),
    messageId: fc.string({ minLength: 1 }),
    threadId: fc.oneof(fc.constantFrom(...threadIds), fc.string({ minLength: 1 })),
    direction: fc.constantFrom(...Object.values(EmailDirections)),
    channel: fc.constantFrom(...Object.values(EmailChannels)),
    forwarded: fc.boolean(),
    from: fc.oneof(fc.mixedCase(fc.constantFrom(...addresses)), fc.emailAddress()),
    to: fc.constant('someone@example.com'),
  });
  const ticketArb: fc.Arbitrary<TicketContext> = fc.record({
    state: fc.constantFrom('open' as const, 'closed' as const),
    contactEmails: fc.subarray(addresses),
    threads: fc.array(fc.record({ threadId: fc.constantFrom(...threadIds), kind: fc.constantFrom(...threadKinds) }), {
      maxLength: 5,
    }),
    reopened: fc.boolean(),
  });
  const triggers: string[] = Object.values(TicketEmailTriggers);
  const reasons: string[] = Object.values(IgnoreReasons);

  it('decides exactly one of a trigger or an ignore reason', () => {
    fc.assert(
      fc.property(eventArb, ticketArb, (event, context) => {
        const { classification } = classifyEmailEvent(event, context);
        if (classification.kind === 'ignored') {
          expect(Object.keys(classification).sort()).toEqual(['kind', 'reason']);
          expect(reasons).toContain(classification.reason);
        } else {
          expect(Object.keys(classification)).toEqual(['kind']);
          expect(triggers).toContain(classification.kind);
        }
      }),
    );
  });

  it('never answers customer_replied or reopens for an outbound email', () => {
    fc.assert(
      fc.property(eventArb, ticketArb, (event, context) => {
        const decision = classifyEmailEvent({ ...event, direction: 'outbound' }, context);
        expect(decision.classification.kind).not.toBe('customer_replied');
        expect(decision.reopen).toBe(false);
      }),
    );
  });

  it('never answers email_sent_to_customer or remembers a thread for an inbound email', () => {
    fc.assert(
      fc.property(eventArb, ticketArb, (event, context) => {
        const decision = classifyEmailEvent({ ...event, direction: 'inbound' }, context);
        expect(decision.classification.kind).not.toBe('email_sent_to_customer');
        expect(decision.addThread).toBeUndefined();
      }),
    );
  });

  it('always ignores a forwarded email', () => {
    fc.assert(
      fc.property(eventArb, ticketArb, (event, context) => {
        const decision = classifyEmailEvent({ ...event, forwarded: true }, context);
        expect(decision.classification).toEqual({ kind: 'ignored', reason: 'forwarded' });
        expect(decision.reopen).toBe(false);
      }),
    );
  });

  it('reopens only a closed ticket, on an inbound email on a thread it knows', () => {
    fc.assert(
      fc.property(eventArb, ticketArb, (event, context) => {
        if (!classifyEmailEvent(event, context).reopen) return;
        expect(context.state).toBe('closed');
        expect(event.direction).toBe('inbound');
        expect(event.forwarded).toBe(false);
        expect(context.threads.some((thread) => thread.threadId === event.threadId)).toBe(true);
      }),
    );
  });

  it('remembers only threads the ticket does not know, under the email thread id', () => {
    fc.assert(
      fc.property(eventArb, ticketArb, (event, context) => {
        const { addThread } = classifyEmailEvent(event, context);
        if (addThread === undefined) return;
        expect(addThread.threadId).toBe(event.threadId);
        expect(context.threads.some((thread) => thread.threadId === event.threadId)).toBe(false);
      }),
    );
  });

  it('ignores the channel of an inbound email and the case of its sender', () => {
    fc.assert(
      fc.property(eventArb, ticketArb, fc.constantFrom(...Object.values(EmailChannels)), (event, context, channel) => {
        const inboundEvent: EmailEvent = { ...event, direction: 'inbound' };
        const decision = classifyEmailEvent(inboundEvent, context);
        expect(classifyEmailEvent({ ...inboundEvent, channel }, context)).toStrictEqual(decision);
        expect(classifyEmailEvent({ ...inboundEvent, from: inboundEvent.from.toUpperCase() }, context)).toStrictEqual(
          decision,
        );
      }),
    );
  });
});
