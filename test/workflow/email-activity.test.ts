import { createEmailActivities } from '../../activities/email';
import { createPool, type Pool } from '../../src/db/pool';
import type { ActionRunInput, SendInternalNotificationConfig } from '../../src/domain';
import { createLogger } from '../../src/log';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { type SmtpSink, startSmtpSink } from '../../src/mail/sink';
import { freePort } from '../../src/net';
import { insertDealRecord } from '../support/fixtures';
import { createTestDatabase, newSecretsKey, unique } from '../support/stack';

/**
 * Email is at least once: a retry resends only when SMTP's acceptance was never recorded. Recording it must therefore
 * outlast a database hiccup; the chaos suite's PostgreSQL restart once resent every email in flight.
 */
describe('send_internal_notification when recording the send fails at first', () => {
  let pool: Pool;
  let sink: SmtpSink;
  let mailer: Mailer;
  let recordId: string;

  beforeAll(async () => {
    pool = createPool(await createTestDatabase(), () => undefined);
    sink = await startSmtpSink({ port: await freePort() });
    mailer = createMailer(sink.url);
    recordId = await insertDealRecord(pool);
    // The first two attempts to record a send fail, as they would while PostgreSQL restarts. (A sequence counts
    // them: unlike a row, it is not rolled back with the failed statement.)
    await pool.query(`
      CREATE SEQUENCE mark_attempts;
      CREATE FUNCTION fail_first_marks() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('mark_attempts') <= 2 THEN RAISE EXCEPTION 'the database is restarting'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER fail_first_marks BEFORE UPDATE OF sent_at ON emails
        FOR EACH ROW EXECUTE FUNCTION fail_first_marks();`);
  });
  afterAll(async () => {
    mailer.close();
    await sink.stop();
    await pool.end();
  });

  it('records the send once the database answers, so a retry sends nothing again', async () => {
    const activities = createEmailActivities({
      pool,
      mailer,
      mailFrom: 'Pipewright Test <automations@test.local>',
      clock: () => new Date(),
      log: createLogger('silent'),
      newId: (prefix) => `${prefix}_${Math.random().toString(36).slice(2)}`,
      webhookPolicy: { allowPrivateTargets: true, allowedHosts: [], timeoutMs: 5_000 },
      secretsKey: newSecretsKey(),
    });
    const enrollmentId = unique('enr');
    const input: ActionRunInput<SendInternalNotificationConfig> = {
      key: `${enrollmentId}:notify`,
      enrollmentId,
      workflowId: 'wf-mail',
      recordId,
      actionId: 'notify',
      depth: 0,
      config: { to: { users: ['team@example.com'] }, subject: 'Hello', body: 'Once' },
    };
    await activities.sendInternalNotification(input);
    // Temporal would run the activity again had it failed; a run after success must not send either.
    await activities.sendInternalNotification(input);

    const received = sink.messages.filter((message) => message.subject === 'Hello');
    expect(received).toHaveLength(1);
    const { rows } = await pool.query('SELECT sent_at FROM emails WHERE key LIKE $1', [`${input.key}:%`]);
    expect(rows).toEqual([{ sent_at: expect.any(Date) }]);
    expect((await pool.query('SELECT last_value FROM mark_attempts')).rows[0].last_value).toBe('3');
  });
});
