import { http, register } from '../support/http';

// The notification path offline, as `npm run dev` runs it: the relay function (invoked here through serverless
// offline's Lambda API instead of waiting for its one-minute schedule) hands committed events to the worker,
// which sends through the SES client to the local SES (aws-ses-v2-local), where the e-mails can be read.
interface StoredMail {
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text: string; html: string };
}

async function inbox(address: string): Promise<StoredMail[]> {
  const { emails } = (await (await fetch(`${process.env.CONDUIT_E2E_MAIL}/store`)).json()) as {
    emails: StoredMail[];
  };
  return emails.filter((mail) => mail.destination.to.includes(address));
}

async function runRelay(): Promise<void> {
  const response = await fetch(
    `${process.env.CONDUIT_E2E_LAMBDA}/2015-03-31/functions/conduit-api-local-notificationRelay/invocations`,
    {
      method: 'POST',
      body: '{}',
    },
  );
  const outcome = await response.text();
  if (response.status !== 200 || outcome.includes('errorMessage'))
    throw new Error(`the relay failed: ${outcome}`);
}

/** Runs the relay until `address` has `count` e-mails (other tests' events may be ahead in the outbox). */
async function mailsFor(address: string, count: number): Promise<StoredMail[]> {
  for (let run = 0; run < 10; run++) {
    const mails = await inbox(address);
    if (mails.length >= count) return mails;
    await runRelay();
  }
  return inbox(address);
}

describe('e-mails, offline', () => {
  it('welcomes a new user, and tells them of a new follower, in text and HTML', async () => {
    const jake = await register('mail');
    const jane = await register('mail');

    const [welcome] = await mailsFor(jake.email, 1);
    const followed = await http.post(`/api/profiles/${jake.username}/follow`, undefined, {
      token: jane.token,
    });
    const mails = await mailsFor(jake.email, 2);

    expect(welcome!.subject).toBe(`Welcome to Conduit, ${jake.username}`);
    expect(welcome!.from).toBe('Conduit <no-reply@conduit.localhost>');
    expect(welcome!.body.text).toContain('http://localhost:4200/editor');
    expect(followed.status).toBe(200);
    const follower = mails.find(
      (mail) => mail.subject === `${jane.username} is now following you on Conduit`,
    );
    expect(follower!.body.html).toContain(`http://localhost:4200/profile/${jane.username}`);
    expect(mails).toHaveLength(2);
  });

  it('sends nothing about followers to a user who turned notifications off', async () => {
    const jake = await register('mail');
    const jane = await register('mail');
    await mailsFor(jake.email, 1);

    const off = await http.put('/api/user', { user: { emailNotifications: false } }, { token: jake.token });
    await http.post(`/api/profiles/${jake.username}/follow`, undefined, { token: jane.token });
    // jane's own welcome goes out in the same runs: once it has, so has everything before it.
    await mailsFor(jane.email, 1);
    await runRelay();

    expect(off.body.user.emailNotifications).toBe(false);
    expect((await inbox(jake.email)).map((mail) => mail.subject)).toEqual([
      `Welcome to Conduit, ${jake.username}`,
    ]);
  });
});
