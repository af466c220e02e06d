import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mail } from './mails';
import { Undeliverable, type Mailer } from './service';

/**
 * What SES answers for a message no retry would get through: MessageRejected (in SES's sandbox, a recipient
 * not verified; also a sender not verified, which the worker's ERROR lines then show for every e-mail) and a
 * malformed request. Everything else (throttling, a paused account, the network) may pass later and goes
 * back to the queue, to the dead-letter queue in the end.
 */
const refusedForGood = new Set(['MessageRejected', 'BadRequestException']);

/** Sends through SES v2 (offline: the same client, pointed at aws-ses-v2-local), text and HTML both. */
export function sesMailer(client: SESv2Client, from: string): Mailer {
  return {
    async send(mail) {
      try {
        await send(client, from, mail);
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        if (refusedForGood.has(name)) throw new Undeliverable(name, { cause: error });
        throw error;
      }
    },
  };
}

async function send(client: SESv2Client, from: string, { to, subject, text, html }: Mail) {
  await client.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: subject, Charset: 'UTF-8' },
          Body: { Text: { Data: text, Charset: 'UTF-8' }, Html: { Data: html, Charset: 'UTF-8' } },
        },
      },
    }),
  );
}
